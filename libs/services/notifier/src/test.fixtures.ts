/** Rows and events for the notifier's integration tests (what the api and the differ would write). */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SlotChangedV1 } from '@slotwatch/contracts';
import { sha256, type Db, type SecretBox } from '@slotwatch/db';

export async function insertWatch(db: Db, over: { name?: string; visibility?: 'public' | 'private'; owner?: string | null } = {}): Promise<string> {
  const [row] = await db<{ id: string }[]>`
    INSERT INTO watches (provider, name, target, interval_s, visibility, owner)
    VALUES ('troov', ${over.name ?? 'Montréal passport'}, '{}'::jsonb, 60, ${over.visibility ?? 'public'}, ${over.owner ?? null}) RETURNING id`;
  await db`INSERT INTO watch_health (watch_id, state, last_success_at) VALUES (${row!.id}, 'available', now())`;
  return row!.id;
}

/** Opens (or closes) a slot in the differ's table, as a check would. */
export async function setSlot(db: Db, watchId: string, startsAt: string, open: boolean): Promise<string> {
  const key = startsAt.slice(0, 16);
  await db`
    INSERT INTO slots (watch_id, slot_key, starts_at, starts_local, scope_key, first_seen, last_seen, closed_at)
    VALUES (${watchId}, ${key}, ${startsAt}::timestamptz, ${startsAt}, ${startsAt.slice(0, 10)}, now(), now(), ${open ? null : new Date()})
    ON CONFLICT (watch_id, slot_key) DO UPDATE SET closed_at = EXCLUDED.closed_at, last_seen = now()`;
  return key;
}

export function slotEvent(watchId: string, startsAt: string, over: Partial<SlotChangedV1> = {}): SlotChangedV1 {
  const now = new Date().toISOString();
  return {
    v: 1,
    eventId: randomUUID(),
    seq: Math.floor(Math.random() * 1e9),
    type: 'slot.opened',
    at: now,
    watch: { id: watchId, name: 'Montréal passport', provider: 'troov' },
    visibility: 'public',
    slot: { key: startsAt.slice(0, 16), startsAt, attributes: {}, firstSeenAt: now },
    observedAt: now,
    checkId: randomUUID(),
    ...over,
  };
}

export async function insertApiKey(db: Db): Promise<string> {
  const key = `sw_${randomBytes(12).toString('hex')}`;
  const [row] = await db<{ id: string }[]>`INSERT INTO api_keys (name, role, prefix, hash) VALUES ('t', 'integrator', ${key.slice(0, 11)}, ${sha256(key)}) RETURNING id`;
  return row!.id;
}

export async function insertWebhook(db: Db, box: SecretBox, url: string, secret: string, over: { owner?: string | null; filter?: object; previous?: { secret: string; expiresAt: Date } } = {}): Promise<string> {
  const [row] = await db<{ id: string }[]>`
    INSERT INTO webhooks (owner_key_id, url, secret_sealed, filter, previous_secret_sealed, previous_secret_expires_at)
    VALUES (${over.owner ?? null}, ${url}, ${box.seal(secret)}, ${db.json((over.filter ?? {}) as never)},
            ${over.previous ? box.seal(over.previous.secret) : null}, ${over.previous?.expiresAt ?? null})
    RETURNING id`;
  return row!.id;
}

export interface SubscriberInput {
  email: string;
  confirmed?: boolean;
  language?: 'en' | 'fr';
  timeZone?: string;
  filter?: object;
  quiet?: { start: string; end: string };
  minCount?: number;
  cooldownS?: number;
}

/** An email subscriber as the api writes it; answers its id and unsubscribe token. */
export async function insertSubscriber(db: Db, box: SecretBox, s: SubscriberInput): Promise<{ id: string; unsubscribeToken: string }> {
  const token = randomBytes(24).toString('base64url');
  const [row] = await db<{ id: string }[]>`
    INSERT INTO email_subscribers (email_sealed, email_hash, language, time_zone, filter, quiet_start, quiet_end, min_count, cooldown_s,
                                   unsubscribe_token_hash, unsubscribe_token_sealed, confirmed_at)
    VALUES (${box.seal(s.email)}, ${sha256(s.email.toLowerCase())}, ${s.language ?? 'en'}, ${s.timeZone ?? 'UTC'}, ${db.json((s.filter ?? {}) as never)},
            ${s.quiet?.start ?? null}, ${s.quiet?.end ?? null}, ${s.minCount ?? 1}, ${s.cooldownS ?? 0},
            ${sha256(token)}, ${box.seal(token)}, ${s.confirmed === false ? null : new Date()})
    RETURNING id`;
  return { id: row!.id, unsubscribeToken: token };
}

export async function insertTwitterAccount(db: Db, box: SecretBox, watchIds: string[], tokens: { accessToken: string; accessSecret: string }, language: 'en' | 'fr' = 'en'): Promise<string> {
  const id = randomUUID();
  await db`
    INSERT INTO twitter_accounts (id, name, watch_ids, language, tokens_sealed)
    VALUES (${id}, 'alerts', ${db.array(watchIds)}::uuid[], ${language}, ${box.seal(JSON.stringify(tokens))})`;
  return id;
}

/** Slot starts `n` quarter-hours apart from 08:00 on `day`, in Montréal's winter offset. */
export const slotTimes = (day: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${day}T${String(8 + Math.floor(i / 4)).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')}:00-05:00`);
