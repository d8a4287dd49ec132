import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signPayload, WebhookSecretError } from './webhook.signature';

const nowSeconds = () => Math.floor(Date.now() / 1000);

function headers(msgId: string, ts: number, signature: string) {
  return { 'webhook-id': msgId, 'webhook-timestamp': String(ts), 'webhook-signature': signature };
}

describe('webhook signature', () => {
  it('matches the Standard Webhooks known-answer vector', () => {
    // libraries/javascript/src/webhook.test.ts @ b2fa7b8719fb (see research/reliability-perf-anchors.md §1a)
    const signature = signPayload(
      ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('is verified by the reference standardwebhooks library for any body', () => {
    const secret = generateWebhookSecret();
    const oracle = new Webhook(secret);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), fc.stringMatching(/^msg_[A-Za-z0-9]{1,30}$/), (body, msgId) => {
        const ts = nowSeconds();
        const signature = signPayload([secret], msgId, ts, body);
        expect(() => oracle.verify(body, headers(msgId, ts, signature), { jsonParse: false })).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects a signature when one character of the id, timestamp or body changes', () => {
    const secret = generateWebhookSecret();
    const oracle = new Webhook(secret);
    const flip = (s: string, i: number) => s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ 1) + s.slice(i + 1);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 500 }), fc.nat(), fc.constantFrom('id', 'timestamp', 'body'), (body, at, part) => {
        const msgId = 'msg_2pB7mXk9';
        const ts = nowSeconds();
        const signature = signPayload([secret], msgId, ts, body);
        // The timestamp moves by one second, so the oracle's 300 s tolerance still accepts it.
        const forged =
          part === 'id'
            ? headers(flip(msgId, at % msgId.length), ts, signature)
            : part === 'timestamp'
              ? headers(msgId, ts % 2 === 1 ? ts - 1 : ts + 1, signature)
              : headers(msgId, ts, signature);
        const sentBody = part === 'body' ? flip(body, at % body.length) : body;
        expect(() => oracle.verify(sentBody, forged, { jsonParse: false })).toThrow(/No matching signature/);
      }),
      { numRuns: 500 },
    );
  });

  it('carries one signature per secret so either key verifies during a rotation', () => {
    const [oldSecret, newSecret] = [generateWebhookSecret(), generateWebhookSecret()];
    const ts = nowSeconds();
    const body = '{"event":"slots.changed"}';
    const signature = signPayload([oldSecret, newSecret], 'msg_rotate', ts, body);
    expect(signature.split(' ')).toHaveLength(2);
    expect(new Webhook(oldSecret).verify(body, headers('msg_rotate', ts, signature))).toEqual({ event: 'slots.changed' });
    expect(new Webhook(newSecret).verify(body, headers('msg_rotate', ts, signature))).toEqual({ event: 'slots.changed' });
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers('msg_rotate', ts, signature))).toThrow();
  });

  it('generates whsec_ secrets of 32 random bytes', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });

  it('refuses to sign without a usable secret or with a dotted id', () => {
    expect(() => signPayload([], 'msg_1', 1, '{}')).toThrow(WebhookSecretError);
    expect(() => signPayload(['whsec_'], 'msg_1', 1, '{}')).toThrow(WebhookSecretError);
    expect(() => signPayload(['whsec_not base64!'], 'msg_1', 1, '{}')).toThrow(WebhookSecretError);
    expect(() => signPayload([generateWebhookSecret()], 'msg.1', 1, '{}')).toThrow(/must not contain/);
  });
});
