import { listenLoopback } from '@slotwatch/http/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCircuitBreaker } from './circuit.breaker';
import { createWebhookChannel, type WebhookChannel, type WebhookMessage } from './webhook.channel';
import { startWebhookReceiver, stubResolver, type WebhookReceiver } from './testing';
import { generateWebhookSecret } from './webhook.signature';

const userAgent = 'slotwatch-test/0.1 (+https://example.org/slotwatch)';

describe('webhook channel', () => {
  let secret: string;
  let receiver: WebhookReceiver;
  let channel: WebhookChannel;
  const cleanup: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    secret = generateWebhookSecret();
    receiver = await startWebhookReceiver({ secret });
    channel = createWebhookChannel({ allowPrivate: true, userAgent, timeoutMs: 2_000 });
    cleanup.push(() => receiver.close(), () => channel.close());
  });
  afterEach(async () => {
    for (const done of cleanup.splice(0).reverse()) await done();
  });

  function message(overrides: Partial<WebhookMessage> = {}): WebhookMessage {
    return {
      webhookId: 'wh_1',
      url: `${receiver.url}/hooks/slotwatch`,
      secrets: [secret],
      msgId: 'msg_2pB7mXk9QeLr',
      body: '{"type":"slots.changed","data":{"watch":"w_1","opened":["2026-12-01T09:30:00+01:00"]}}',
      ...overrides,
    };
  }

  it('delivers a signed webhook that the reference library verifies', async () => {
    const outcome = await channel.send(message());
    expect(outcome).toMatchObject({ kind: 'delivered', status: 200, response: '{"ok":true}' });
    const [got] = receiver.received();
    expect(got).toMatchObject({
      id: 'msg_2pB7mXk9QeLr',
      verified: true,
      path: '/hooks/slotwatch',
      body: { type: 'slots.changed', data: { watch: 'w_1', opened: ['2026-12-01T09:30:00+01:00'] } },
    });
    expect(got!.headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': userAgent });
    expect(got!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(Math.abs(got!.timestamp - Date.now() / 1000)).toBeLessThan(5);
  });

  it('signs with every secret during a rotation so the receiver verifies with the new one', async () => {
    const outcome = await channel.send(message({ secrets: [generateWebhookSecret(), secret] }));
    expect(outcome.kind).toBe('delivered');
    expect(receiver.received()[0]).toMatchObject({ verified: true });
    expect(receiver.received()[0]!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
  });

  it('disables the endpoint on 410 Gone', async () => {
    receiver.setMode({ mode: 'gone' });
    expect(await channel.send(message())).toMatchObject({ kind: 'disable', status: 410, error: expect.stringContaining('410 Gone') });
  });

  it('retries on 500 and keeps the response body', async () => {
    receiver.setMode({ mode: 'fail' });
    const outcome = await channel.send(message());
    expect(outcome).toMatchObject({ kind: 'retry', status: 500, error: '500 Internal Server Error', response: '{"error":"mode fail"}' });
    expect(outcome).not.toHaveProperty('overloaded');
  });

  it('retries on 429 with the Retry-After of the receiver, marked overloaded', async () => {
    receiver.setMode({ mode: 'ratelimit', retryAfterS: 30 });
    expect(await channel.send(message())).toMatchObject({ kind: 'retry', status: 429, retryAfterMs: 30_000, overloaded: true });
  });

  it('retries a timed-out attempt, marked overloaded', async () => {
    const quick = createWebhookChannel({ allowPrivate: true, userAgent, timeoutMs: 150 });
    cleanup.push(() => quick.close());
    receiver.setMode({ mode: 'slow', delayMs: 2_000 });
    const outcome = await quick.send(message());
    expect(outcome).toMatchObject({ kind: 'retry', overloaded: true, error: expect.stringContaining('within 150 ms') });
    expect(outcome.durationMs).toBeLessThan(1_500);
  });

  it('retries on any other non-2xx answer, such as 401 for a wrong secret', async () => {
    const outcome = await channel.send(message({ secrets: [generateWebhookSecret()] }));
    expect(outcome).toMatchObject({ kind: 'retry', status: 401 });
    expect(receiver.received()[0]).toMatchObject({ verified: false });
  });

  it('does not follow a redirect, even to an address it could reach', async () => {
    const elsewhere = await startWebhookReceiver({ secret });
    cleanup.push(() => elsewhere.close());
    receiver.setMode({ mode: 'redirect', location: `${elsewhere.url}/hook` });
    const outcome = await channel.send(message());
    expect(outcome).toMatchObject({ kind: 'retry', status: 302, error: expect.stringContaining('redirects are not followed') });
    expect(elsewhere.connections()).toBe(0);
  });

  it('retries when the receiver refuses the connection', async () => {
    const gone = await listenLoopback(() => undefined);
    await gone.close();
    const outcome = await channel.send(message({ url: `${gone.url}/hook` }));
    expect(outcome).toMatchObject({ kind: 'retry', error: expect.stringContaining('ECONNREFUSED') });
    expect(outcome).not.toHaveProperty('status');
  });

  it('keeps only the first 4 KB of a long response', async () => {
    const chatty = await listenLoopback((_req, res) => res.end('x'.repeat(50_000)));
    cleanup.push(() => chatty.close());
    const outcome = await channel.send(message({ url: chatty.url }));
    expect(outcome.kind).toBe('delivered');
    expect(outcome.response).toHaveLength(4096);
  });

  it('sends the same webhook-id on every attempt and the timestamp of each attempt', async () => {
    receiver.failNext(2);
    const start = Math.floor(Date.now() / 1000) - 120;
    const kinds: string[] = [];
    for (const offset of [0, 60, 120]) {
      const outcome = await channel.send(message({ timestamp: new Date((start + offset) * 1000) }));
      kinds.push(outcome.kind);
    }
    expect(kinds).toEqual(['retry', 'retry', 'delivered']);
    const attempts = receiver.received();
    expect(attempts.map((a) => a.id)).toEqual(['msg_2pB7mXk9QeLr', 'msg_2pB7mXk9QeLr', 'msg_2pB7mXk9QeLr']);
    expect(attempts.map((a) => a.timestamp)).toEqual([start, start + 60, start + 120]);
    expect(attempts.every((a) => a.verified)).toBe(true);
  });

  it('stops calling a failing receiver once its circuit opens', async () => {
    const guarded = createWebhookChannel({ allowPrivate: true, userAgent, breaker: createCircuitBreaker({ failureThreshold: 3 }) });
    cleanup.push(() => guarded.close());
    receiver.setMode({ mode: 'fail' });
    for (let i = 0; i < 3; i++) expect((await guarded.send(message())).kind).toBe('retry');
    const connections = receiver.connections();
    expect(await guarded.send(message())).toEqual({ kind: 'retry', durationMs: 0, error: 'circuit open' });
    expect(await guarded.send(message({ msgId: 'msg_other' }))).toMatchObject({ error: 'circuit open' });
    expect(receiver.received()).toHaveLength(3);
    expect(receiver.connections()).toBe(connections);
    // Other endpoints are unaffected.
    receiver.setMode({ mode: 'ok' });
    expect((await guarded.send(message({ webhookId: 'wh_2' }))).kind).toBe('delivered');
  });

  it('fails, without connecting, a literal private address when private targets are not allowed', async () => {
    const strict = createWebhookChannel({ allowPrivate: false, userAgent });
    cleanup.push(() => strict.close());
    const outcome = await strict.send(message());
    expect(outcome).toMatchObject({ kind: 'failed', error: expect.stringContaining('loopback addresses are refused') });
    expect(receiver.connections()).toBe(0);
  });

  it('fails, without connecting, a name that resolves to loopback', async () => {
    const lookup = stubResolver({ 'hooks.customer.test': ['127.0.0.1'] });
    const strict = createWebhookChannel({ allowPrivate: false, userAgent, lookup });
    cleanup.push(() => strict.close());
    const outcome = await strict.send(message({ url: `http://hooks.customer.test:${new URL(receiver.url).port}/hook` }));
    expect(outcome).toMatchObject({ kind: 'failed', error: 'refused to connect to hooks.customer.test (127.0.0.1): loopback addresses are refused unless private targets are allowed (allowPrivate)' });
    expect(lookup.calls).toEqual(['hooks.customer.test']);
    expect(receiver.connections()).toBe(0);
  });

  it('fails a message it cannot sign or address', async () => {
    expect(await channel.send(message({ secrets: [] }))).toMatchObject({ kind: 'failed', error: expect.stringContaining('cannot sign') });
    expect(await channel.send(message({ url: 'ftp://hooks.example.com/' }))).toMatchObject({ kind: 'failed' });
    expect(receiver.connections()).toBe(0);
  });
});

describe('fake webhook receiver control endpoints', () => {
  it('switches mode and lists requests over HTTP', async () => {
    const secret = generateWebhookSecret();
    const receiver = await startWebhookReceiver({ secret });
    const channel = createWebhookChannel({ allowPrivate: true, userAgent });
    try {
      const set = await fetch(`${receiver.url}/_control/mode`, { method: 'POST', body: JSON.stringify({ mode: 'gone' }) });
      expect(set.status).toBe(200);
      const msg = { webhookId: 'wh_1', url: `${receiver.url}/hook`, secrets: [secret], msgId: 'msg_ctl', body: '{"n":1}' };
      expect((await channel.send(msg)).kind).toBe('disable');
      const bad = await fetch(`${receiver.url}/_control/mode`, { method: 'POST', body: JSON.stringify({ mode: 'slow' }) });
      expect(bad.status).toBe(400);
      const listed = (await (await fetch(`${receiver.url}/_control/received`)).json()) as Array<{ id: string; status: number; verified: boolean }>;
      expect(listed).toMatchObject([{ id: 'msg_ctl', status: 410, verified: true }]);
      await expect(receiver.waitFor((w) => w.id === 'msg_ctl', 100)).resolves.toMatchObject({ body: { n: 1 } });
      await expect(receiver.waitFor((w) => w.id === 'msg_never', 50)).rejects.toThrow(/no matching webhook within 50 ms/);
    } finally {
      await channel.close();
      await receiver.close();
    }
  });
});
