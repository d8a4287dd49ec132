import { checkWebhookUrl, generateWebhookSecret } from '@slotwatch/channel-webhook';
import type { Db, SecretBox } from '@slotwatch/db';
import { badField } from './problem';

export interface WebhookFilter {
  watchIds?: string[];
  providers?: string[];
  types?: Array<'slot.opened' | 'slot.closed'>;
}

export interface WebhookView {
  id: string;
  url: string;
  filter: WebhookFilter;
  createdAt: string;
  disabledAt: string | null;
  disabledReason: string | null;
}

/** Registers a webhook; the `whsec_` secret is returned once and stored sealed. */
export async function createWebhook(
  db: Db,
  secrets: SecretBox,
  input: { url: string; filter?: WebhookFilter },
  ownerKeyId: string | null,
  allowPrivate: boolean,
): Promise<WebhookView & { secret: string }> {
  const verdict = await checkWebhookUrl(input.url, { allowPrivate });
  if (!verdict.ok) throw badField('url', `url ${verdict.reason}`);
  const secret = generateWebhookSecret();
  const [row] = await db<{ id: string; created_at: Date }[]>`
    INSERT INTO webhooks (owner_key_id, url, secret_sealed, filter)
    VALUES (${ownerKeyId}, ${input.url}, ${secrets.seal(secret)}, ${db.json((input.filter ?? {}) as never)})
    RETURNING id, created_at`;
  return { id: row!.id, url: input.url, filter: input.filter ?? {}, createdAt: new Date(row!.created_at).toISOString(), disabledAt: null, disabledReason: null, secret };
}

/** Webhooks visible to a caller: an integrator sees only its own; an admin sees all. */
export async function listWebhooks(db: Db, caller: { keyId: string; role: string }): Promise<WebhookView[]> {
  const rows = await db<{ id: string; url: string; filter: WebhookFilter; created_at: Date; disabled_at: Date | null; disabled_reason: string | null }[]>`
    SELECT w.id, w.url, w.filter, w.created_at, s.disabled_at, s.disabled_reason
    FROM webhooks w LEFT JOIN webhook_state s ON s.webhook_id = w.id
    WHERE w.deleted_at IS NULL AND (${caller.role === 'admin'} OR w.owner_key_id = ${caller.keyId})
    ORDER BY w.created_at`;
  return rows.map((r) => ({
    id: r.id, url: r.url, filter: r.filter, createdAt: new Date(r.created_at).toISOString(),
    disabledAt: r.disabled_at ? new Date(r.disabled_at).toISOString() : null, disabledReason: r.disabled_reason,
  }));
}
