import { randomUUID } from 'node:crypto';
import type { Tx } from '@slotwatch/db';
import type { ObservedSlotV1, ScopeV1 } from '@slotwatch/contracts';


export interface ChangedSlot {
  slot_key: string;
  starts_local: string;
  attributes: Record<string, unknown>;
  first_seen: Date;
  closed_at: Date | null;
}

export interface WatchRow {
  id: string;
  name: string;
  provider: string;
  visibility: 'public' | 'private';
}

/** Locks the watch's health row for this transaction: one diff per watch at a time, across replicas. */
export async function lockWatch(tx: Tx, watchId: string): Promise<WatchRow | undefined> {
  await tx`INSERT INTO watch_health (watch_id) SELECT id FROM watches WHERE id = ${watchId} ON CONFLICT DO NOTHING`;
  const [row] = await tx<WatchRow[]>`
    SELECT w.id, w.name, w.provider, w.visibility
    FROM watch_health h JOIN watches w ON w.id = h.watch_id
    WHERE h.watch_id = ${watchId} FOR UPDATE OF h`;
  return row;
}

/** True the first time a check id is applied; false on a redelivery. */
export async function markApplied(tx: Tx, checkId: string, watchId: string): Promise<boolean> {
  const rows = await tx`INSERT INTO applied_observations (check_id, watch_id) VALUES (${checkId}, ${watchId}) ON CONFLICT DO NOTHING RETURNING 1`;
  return rows.length === 1;
}

/**
 * Upserts the seen slots in one statement (arrays through unnest) and returns those that opened:
 * new ones and ones that had closed. Rows of slots already open and unchanged are not rewritten.
 */
export async function upsertSeen(tx: Tx, watchId: string, slots: ObservedSlotV1[], at: Date): Promise<ChangedSlot[]> {
  if (slots.length === 0) return [];
  return tx<ChangedSlot[]>`
    WITH seen AS (
      SELECT * FROM unnest(
        ${tx.array(slots.map((s) => s.key))}::text[],
        ${tx.array(slots.map((s) => s.startsAt))}::text[],
        ${tx.array(slots.map((s) => s.scopeKey))}::text[],
        ${tx.array(slots.map((s) => JSON.stringify(s.attributes)))}::jsonb[]
      ) AS s(slot_key, starts_local, scope_key, attributes)
    ),
    prev AS (
      SELECT t.slot_key, t.closed_at IS NULL AS was_open
      FROM slots t JOIN seen USING (slot_key) WHERE t.watch_id = ${watchId}
    ),
    up AS (
      INSERT INTO slots AS t (watch_id, slot_key, starts_at, starts_local, scope_key, attributes, first_seen, last_seen)
      SELECT ${watchId}, slot_key, starts_local::timestamptz, starts_local, scope_key, attributes, ${at}, ${at} FROM seen
      ON CONFLICT (watch_id, slot_key) DO UPDATE SET
        first_seen = CASE WHEN t.closed_at IS NULL THEN t.first_seen ELSE excluded.first_seen END,
        last_seen = excluded.last_seen,
        closed_at = NULL,
        starts_at = excluded.starts_at,
        starts_local = excluded.starts_local,
        scope_key = excluded.scope_key,
        attributes = excluded.attributes
      WHERE t.closed_at IS NOT NULL OR t.attributes IS DISTINCT FROM excluded.attributes
      RETURNING t.slot_key, t.starts_local, t.attributes, t.first_seen, t.closed_at
    )
    SELECT up.* FROM up LEFT JOIN prev USING (slot_key) WHERE prev.was_open IS NOT TRUE`;
}

/** Open slots inside the scope that this snapshot did not see. */
export async function findVanished(tx: Tx, watchId: string, scope: ScopeV1, seenKeys: string[]): Promise<ChangedSlot[]> {
  const all = 'all' in scope;
  const scopeKeys = 'keys' in scope ? scope.keys : [];
  return tx<ChangedSlot[]>`
    SELECT t.slot_key, t.starts_local, t.attributes, t.first_seen, t.closed_at
    FROM slots t
    WHERE t.watch_id = ${watchId} AND t.closed_at IS NULL
      AND (${all} OR t.scope_key = ANY(${tx.array(scopeKeys)}::text[]))
      AND NOT EXISTS (SELECT 1 FROM unnest(${tx.array(seenKeys)}::text[]) AS k(slot_key) WHERE k.slot_key = t.slot_key)`;
}

export async function closeSlots(tx: Tx, watchId: string, keys: string[], at: Date): Promise<ChangedSlot[]> {
  if (keys.length === 0) return [];
  return tx<ChangedSlot[]>`
    UPDATE slots t SET closed_at = ${at}
    FROM unnest(${tx.array(keys)}::text[]) AS k(slot_key)
    WHERE t.watch_id = ${watchId} AND t.slot_key = k.slot_key AND t.closed_at IS NULL
    RETURNING t.slot_key, t.starts_local, t.attributes, t.first_seen, t.closed_at`;
}

export async function countOpen(tx: Tx, watchId: string): Promise<number> {
  const [row] = await tx<{ n: number }[]>`SELECT count(*)::int AS n FROM slots WHERE watch_id = ${watchId} AND closed_at IS NULL`;
  return row?.n ?? 0;
}

export interface NewEvent {
  kind: 'slot.opened' | 'slot.closed';
  slotKey: string;
  build: (id: string, seq: number) => { subject: string; payload: Record<string, unknown> };
}

/** Writes the events and their outbox rows, both set-based, and wakes the relay at commit. */
export async function writeEvents(tx: Tx, watchId: string, checkId: string, at: Date, events: NewEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const seqs = await tx<{ seq: string }[]>`SELECT nextval('slot_events_seq_seq') AS seq FROM generate_series(1, ${events.length})`;
  const built = events.map((event, i) => {
    const id = randomUUID();
    const seq = Number(seqs[i]!.seq);
    return { id, seq, kind: event.kind, slotKey: event.slotKey, ...event.build(id, seq) };
  });
  const payloads = built.map((b) => JSON.stringify(b.payload));
  await tx`
    INSERT INTO slot_events (seq, id, watch_id, kind, slot_key, payload, check_id, at)
    SELECT seq, id, ${watchId}, kind, slot_key, payload, ${checkId}, ${at}
    FROM unnest(${tx.array(built.map((b) => b.seq))}::bigint[], ${tx.array(built.map((b) => b.id))}::uuid[],
                ${tx.array(built.map((b) => b.kind))}::text[], ${tx.array(built.map((b) => b.slotKey))}::text[],
                ${tx.array(payloads)}::jsonb[]) AS e(seq, id, kind, slot_key, payload)`;
  await tx`
    INSERT INTO outbox (event_id, subject, payload)
    SELECT event_id, subject, payload
    FROM unnest(${tx.array(built.map((b) => b.id))}::uuid[], ${tx.array(built.map((b) => b.subject))}::text[], ${tx.array(payloads)}::jsonb[])
    WITH ORDINALITY AS o(event_id, subject, payload, n) ORDER BY n`;
  await tx`SELECT pg_notify('slotwatch_outbox', '')`;
  return built.length;
}

export interface HealthUpdate {
  status: string;
  reason: string | null;
  detail: string | null;
  hint: string | null;
  success: boolean;
  attemptAt: Date;
  observedAt: Date;
  nextAllowedAt: Date | null;
  openSlots: number;
}

export async function updateHealth(tx: Tx, watchId: string, h: HealthUpdate): Promise<void> {
  const state = h.success ? (h.openSlots > 0 ? 'available' : h.status === 'ok' ? 'none' : 'unknown') : 'unknown';
  await tx`
    UPDATE watch_health SET
      state = ${state},
      last_status = ${h.status}, last_reason = ${h.reason}, last_detail = ${h.detail}, last_hint = ${h.hint},
      last_attempt_at = ${h.attemptAt},
      last_success_at = CASE WHEN ${h.success} THEN ${h.observedAt}::timestamptz ELSE last_success_at END,
      last_observed_at = GREATEST(last_observed_at, ${h.observedAt}::timestamptz),
      consecutive_failures = CASE WHEN ${h.success} THEN 0 ELSE consecutive_failures + 1 END,
      next_allowed_at = ${h.nextAllowedAt},
      open_slots = ${h.openSlots},
      updated_at = now()
    WHERE watch_id = ${watchId}`;
}
