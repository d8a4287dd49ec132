import { randomUUID } from 'node:crypto';
import { checkWebhookUrl, generateWebhookSecret, type WebhookChannel } from '@slotwatch/channel-webhook';
import type { Db, SecretBox } from '@slotwatch/db';
import type { Caller } from './auth';
import { badField, notFound, Problem } from './problem';

export interface WebhookFilter {
  watchIds?: string[];
  providers?: string[];
  types?: Array<'slot.opened' | 'slot.closed' | 'watch.stale' | 'watch.recovered' | 'watch.blocked' | 'webhook.disabled'>;
}

export interface WebhookView {
  id: string;
  url: string;
  filter: WebhookFilter;
  createdAt: string;
  disabledAt: string | null;
  disabledReason: string | null;
  previousSecretExpiresAt: string | null;
}

/** Live webhooks one integrator key may hold (OWASP API4: a cap per tenant). */
export const MAX_WEBHOOKS_PER_KEY = 50;
/** How long the secret before a rotation keeps signing, unless the caller says otherwise. */
export const DEFAULT_OVERLAP_S = 24 * 3600;

interface Row {
  id: string; url: string; filter: WebhookFilter; created_at: Date; disabled_at: Date | null; disabled_reason: string | null;
  previous_secret_expires_at: Date | null;
}
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const toView = (r: Row): WebhookView => ({
  id: r.id, url: r.url, filter: r.filter, createdAt: new Date(r.created_at).toISOString(), disabledAt: iso(r.disabled_at), disabledReason: r.disabled_reason,
  previousSecretExpiresAt: r.previous_secret_expires_at && new Date(r.previous_secret_expires_at) > new Date() ? iso(r.previous_secret_expires_at) : null,
});

/** An admin sees every webhook; an integrator only its own (anything else is "not found", never "forbidden"). */
const ownedBy = (db: Db, caller: Caller) => (caller.role === 'admin' ? db`true` : db`w.owner_key_id = ${caller.keyId}`);

const SELECT = (db: Db) => db`
  SELECT w.id, w.url, w.filter, w.created_at, w.previous_secret_expires_at, s.disabled_at, s.disabled_reason
  FROM webhooks w LEFT JOIN webhook_state s ON s.webhook_id = w.id`;

function checkUrl(url: string, allowPrivate: boolean): void {
  const verdict = checkWebhookUrl(url, { allowPrivate });
  if (!verdict.ok) throw badField('url', `url ${verdict.reason}`);
}

/** Registers a webhook; the `whsec_` secret is returned once and stored sealed. */
export async function createWebhook(
  db: Db,
  secrets: SecretBox,
  input: { url: string; filter?: WebhookFilter },
  ownerKeyId: string | null,
  allowPrivate: boolean,
): Promise<WebhookView & { secret: string }> {
  checkUrl(input.url, allowPrivate);
  if (ownerKeyId) {
    const [count] = await db<{ n: number }[]>`SELECT count(*)::int AS n FROM webhooks WHERE owner_key_id = ${ownerKeyId} AND deleted_at IS NULL`;
    if ((count?.n ?? 0) >= MAX_WEBHOOKS_PER_KEY) {
      throw new Problem(409, 'Conflict', `this key already has ${MAX_WEBHOOKS_PER_KEY} webhooks, the most one key may hold; delete one first`);
    }
  }
  const secret = generateWebhookSecret();
  const [row] = await db<{ id: string }[]>`
    INSERT INTO webhooks (owner_key_id, url, secret_sealed, filter)
    VALUES (${ownerKeyId}, ${input.url}, ${secrets.seal(secret)}, ${db.json((input.filter ?? {}) as never)})
    RETURNING id`;
  const [created] = await db<Row[]>`${SELECT(db)} WHERE w.id = ${row!.id}`;
  return { ...toView(created!), secret };
}

/** Webhooks visible to a caller, in id order (the cursor is the last id). */
export async function listWebhooks(db: Db, caller: Caller, page: { after?: string; limit: number } = { limit: 500 }): Promise<WebhookView[]> {
  const rows = await db<Row[]>`
    ${SELECT(db)}
    WHERE w.deleted_at IS NULL AND ${ownedBy(db, caller)} AND ${page.after ? db`w.id > ${page.after}` : db`true`}
    ORDER BY w.id LIMIT ${page.limit}`;
  return rows.map(toView);
}

/** One live webhook the caller owns, or 404. */
export async function getWebhook(db: Db, caller: Caller, id: string): Promise<WebhookView> {
  const [row] = await db<Row[]>`${SELECT(db)} WHERE w.id = ${id} AND w.deleted_at IS NULL AND ${ownedBy(db, caller)}`;
  if (!row) throw notFound(`webhook ${id}`);
  return toView(row);
}

export async function updateWebhook(
  db: Db, caller: Caller, id: string, changes: { url?: string; filter?: WebhookFilter }, allowPrivate: boolean,
): Promise<WebhookView> {
  await getWebhook(db, caller, id);
  if (changes.url !== undefined) checkUrl(changes.url, allowPrivate);
  await db`
    UPDATE webhooks SET
      url = COALESCE(${changes.url ?? null}::text, url),
      filter = COALESCE(${changes.filter ? db.json(changes.filter as never) : null}::jsonb, filter)
    WHERE id = ${id}`;
  return getWebhook(db, caller, id);
}

/** Soft delete: the notifier stops matching it at once; its delivery log stays readable to admins. */
export async function deleteWebhook(db: Db, caller: Caller, id: string): Promise<void> {
  await getWebhook(db, caller, id);
  await db`UPDATE webhooks SET deleted_at = now() WHERE id = ${id} AND deleted_at IS NULL`;
}

/**
 * A new secret; the one it replaces keeps signing (a second `v1,` signature) for `overlapSeconds`,
 * so receivers can switch without losing a delivery. Rotating again within the overlap drops the
 * oldest secret.
 */
export async function rotateSecret(
  db: Db, secrets: SecretBox, caller: Caller, id: string, overlapSeconds: number,
): Promise<{ secret: string; previousSecretExpiresAt: string | null }> {
  await getWebhook(db, caller, id);
  const secret = generateWebhookSecret();
  const [row] = await db<{ previous_secret_expires_at: Date | null }[]>`
    UPDATE webhooks SET
      previous_secret_sealed = CASE WHEN ${overlapSeconds} > 0 THEN secret_sealed END,
      previous_secret_expires_at = CASE WHEN ${overlapSeconds} > 0 THEN now() + make_interval(secs => ${overlapSeconds}) END,
      secret_sealed = ${secrets.seal(secret)}
    WHERE id = ${id}
    RETURNING previous_secret_expires_at`;
  return { secret, previousSecretExpiresAt: iso(row?.previous_secret_expires_at ?? null) };
}

/** The secrets that sign right now: the current one, and the previous one during its overlap. */
export async function signingSecrets(db: Db, secrets: SecretBox, id: string): Promise<string[]> {
  const [row] = await db<{ secret_sealed: string; previous_secret_sealed: string | null; previous_live: boolean }[]>`
    SELECT secret_sealed, previous_secret_sealed, COALESCE(previous_secret_expires_at > now(), false) AS previous_live FROM webhooks WHERE id = ${id}`;
  if (!row) throw notFound(`webhook ${id}`);
  return [secrets.open(row.secret_sealed), ...(row.previous_secret_sealed && row.previous_live ? [secrets.open(row.previous_secret_sealed)] : [])];
}

export interface TestOutcome {
  outcome: 'delivered' | 'retry' | 'failed' | 'disable';
  delivered: boolean;
  status: number | null;
  durationMs: number;
  error: string | null;
  response: string | null;
  /** The `webhook-id` the test was sent with. */
  msgId: string;
}

/**
 * Sends one signed `webhook.test` event now, through the same webhook channel (signing, SSRF
 * guard, timeout) the notifier uses, and reports what the receiver answered. Nothing is stored.
 */
export async function sendTest(db: Db, secrets: SecretBox, channel: WebhookChannel, caller: Caller, id: string): Promise<TestOutcome> {
  const hook = await getWebhook(db, caller, id);
  const msgId = `msg_test_${randomUUID()}`;
  const timestamp = new Date();
  const body = JSON.stringify({ type: 'webhook.test', timestamp: timestamp.toISOString(), data: { webhookId: hook.id, message: 'slotwatch test event: your endpoint is reachable and the signature verifies' } });
  const result = await channel.send({ webhookId: hook.id, url: hook.url, secrets: await signingSecrets(db, secrets, id), msgId, body, timestamp });
  return {
    outcome: result.kind,
    delivered: result.kind === 'delivered',
    status: result.status ?? null,
    durationMs: result.durationMs,
    error: 'error' in result ? result.error : null,
    response: result.response?.slice(0, 1000) ?? null,
    msgId,
  };
}
