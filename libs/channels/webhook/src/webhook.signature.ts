/**
 * Standard Webhooks symmetric signatures (spec 1.0.0, `standard-webhooks/standard-webhooks`
 * `spec/standard-webhooks.md`): HMAC-SHA256 over `${msgId}.${timestamp}.${body}`, serialized as
 * `v1,<base64>`, secrets shown as `whsec_` + base64. Signed with node:crypto; the reference
 * `standardwebhooks` package is only the oracle in the tests.
 */
import { createHmac, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** Thrown for a secret that cannot sign: not `whsec_<base64>` or empty once decoded. */
export class WebhookSecretError extends Error {
  override readonly name = 'WebhookSecretError';
}

/** A fresh endpoint secret: `whsec_` + base64 of 32 random bytes (the spec asks for 24–64). */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/**
 * The `webhook-signature` header value: one `v1,<b64>` per secret, space-separated, so a receiver
 * holding either the old or the new secret verifies during a rotation.
 * `body` must be the exact bytes sent; re-serialized JSON would not verify.
 */
export function signPayload(secrets: readonly string[], msgId: string, timestampSeconds: number, body: string | Uint8Array): string {
  if (secrets.length === 0) throw new WebhookSecretError('cannot sign a webhook without a secret; give the endpoint one');
  // The spec: id and timestamp must not contain '.', or two messages could share a signed string.
  if (msgId.includes('.')) throw new RangeError(`webhook-id must not contain ".": ${JSON.stringify(msgId)}`);
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError(`webhook-timestamp must be whole Unix seconds, got ${timestampSeconds}`);
  }
  const prefix = Buffer.from(`${msgId}.${timestampSeconds}.`, 'utf8');
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return secrets
    .map((secret) => {
      const mac = createHmac('sha256', secretKey(secret)).update(prefix).update(payload).digest('base64');
      return `v1,${mac}`;
    })
    .join(' ');
}

function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
    throw new WebhookSecretError(`a webhook secret must be "whsec_" followed by base64 (got ${encoded.length} characters that are not base64)`);
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new WebhookSecretError('a webhook secret must not be empty');
  return key;
}
