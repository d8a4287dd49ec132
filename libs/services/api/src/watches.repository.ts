import { findProvider } from '@slotwatch/providers';
import type { Db } from '@slotwatch/db';
import type { Caller } from './auth';

export interface WatchView {
  id: string;
  provider: string;
  name: string;
  target: Record<string, unknown>;
  intervalSeconds: number;
  active: boolean;
  visibility: 'public' | 'private';
  createdAt: string;
  hasCredentials: boolean;
  health: {
    state: 'available' | 'none' | 'unknown';
    lastStatus: string | null;
    reason: string | null;
    detail: string | null;
    hint: string | null;
    lastAttemptAt: string | null;
    lastSuccessAt: string | null;
    consecutiveFailures: number;
    nextAllowedAt: string | null;
    staleSince: string | null;
    openSlots: number;
  };
}

interface Row {
  id: string; provider: string; name: string; target: Record<string, unknown>; interval_s: number; active: boolean;
  visibility: 'public' | 'private'; created_at: Date; state: WatchView['health']['state'] | null; last_status: string | null;
  last_reason: string | null; last_detail: string | null; last_hint: string | null; last_attempt_at: Date | null;
  last_success_at: Date | null; consecutive_failures: number | null; next_allowed_at: Date | null; open_slots: number | null;
  stale_since: Date | null; has_credentials: boolean;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function toView(r: Row): WatchView {
  const redact = findProvider(r.provider)?.redactTarget;
  return {
    id: r.id, provider: r.provider, name: r.name, target: redact ? redact(r.target as never) : r.target, intervalSeconds: r.interval_s, active: r.active,
    visibility: r.visibility, createdAt: new Date(r.created_at).toISOString(), hasCredentials: r.has_credentials,
    health: {
      state: r.state ?? 'unknown', lastStatus: r.last_status, reason: r.last_reason, detail: r.last_detail, hint: r.last_hint,
      lastAttemptAt: iso(r.last_attempt_at), lastSuccessAt: iso(r.last_success_at), consecutiveFailures: r.consecutive_failures ?? 0,
      nextAllowedAt: iso(r.next_allowed_at), staleSince: iso(r.stale_since), openSlots: r.open_slots ?? 0,
    },
  };
}

const SELECT = (db: Db) => db`
  SELECT w.*, h.state, h.last_status, h.last_reason, h.last_detail, h.last_hint, h.last_attempt_at, h.last_success_at,
         h.consecutive_failures, h.next_allowed_at, h.open_slots, h.stale_since,
         EXISTS (SELECT 1 FROM provider_credentials c WHERE c.watch_id = w.id) AS has_credentials
  FROM watches w LEFT JOIN watch_health h ON h.watch_id = w.id`;

/** Admins see every watch; an integrator sees public ones and private ones it created. */
const visibleTo = (db: Db, caller: Caller | undefined) =>
  !caller || caller.role === 'admin' ? db`true` : db`(w.visibility = 'public' OR w.owner = ${caller.keyId})`;

export async function insertWatch(
  db: Db,
  w: { provider: string; name: string; target: unknown; intervalSeconds: number; visibility: 'public' | 'private'; owner: string | null },
): Promise<WatchView> {
  const [row] = await db<{ id: string }[]>`
    INSERT INTO watches (provider, name, target, interval_s, visibility, owner)
    VALUES (${w.provider}, ${w.name}, ${db.json(w.target as never)}, ${w.intervalSeconds}, ${w.visibility}, ${w.owner})
    RETURNING id`;
  return (await getWatch(db, row!.id))!;
}

/** One watch, or undefined when it does not exist or the caller may not see it. */
export async function getWatch(db: Db, id: string, caller?: Caller): Promise<WatchView | undefined> {
  const [row] = await db<Row[]>`${SELECT(db)} WHERE w.id = ${id} AND ${visibleTo(db, caller)}`;
  return row && toView(row);
}

/** Watches in id order (the cursor is the last id). Without a caller: every watch (the CLI). */
export async function listWatches(db: Db, page: { after?: string; limit: number }, caller?: Caller): Promise<WatchView[]> {
  const rows = await db<Row[]>`
    ${SELECT(db)} WHERE ${page.after ? db`w.id > ${page.after}` : db`true`} AND ${visibleTo(db, caller)}
    ORDER BY w.id LIMIT ${page.limit}`;
  return rows.map(toView);
}

export interface WatchChanges {
  name?: string;
  intervalSeconds?: number;
  active?: boolean;
  visibility?: 'public' | 'private';
}

/** Applies the given changes; the scheduler reads interval and active at its next tick. */
export async function updateWatch(db: Db, id: string, c: WatchChanges): Promise<WatchView | undefined> {
  const rows = await db`
    UPDATE watches SET
      name = COALESCE(${c.name ?? null}::text, name),
      interval_s = COALESCE(${c.intervalSeconds ?? null}::integer, interval_s),
      active = COALESCE(${c.active ?? null}::boolean, active),
      visibility = COALESCE(${c.visibility ?? null}::text, visibility),
      updated_at = now()
    WHERE id = ${id} RETURNING 1`;
  return rows.length === 1 ? getWatch(db, id) : undefined;
}

export async function deleteWatch(db: Db, id: string): Promise<boolean> {
  const rows = await db`DELETE FROM watches WHERE id = ${id} RETURNING 1`;
  return rows.length === 1;
}

export interface OpenSlot {
  key: string;
  startsAt: string;
  attributes: Record<string, unknown>;
  firstSeenAt: string;
  /** Sort position (starts_at in epoch ms), for the cursor only. */
  sortAt: number;
}

/** Open slots of a watch by start time, then key; `after` is the last slot's (sortAt, key). */
export async function listOpenSlots(db: Db, watchId: string, page: { after?: [number, string]; limit: number }): Promise<OpenSlot[]> {
  const rows = await db<{ key: string; starts_local: string; attributes: Record<string, unknown>; first_seen: Date; sort_at: string }[]>`
    SELECT slot_key AS key, starts_local, attributes, first_seen, (extract(epoch FROM starts_at) * 1000)::bigint AS sort_at
    FROM slots
    WHERE watch_id = ${watchId} AND closed_at IS NULL
      AND ${page.after ? db`(starts_at, slot_key) > (to_timestamp(${page.after[0]}::double precision / 1000), ${page.after[1]})` : db`true`}
    ORDER BY starts_at, slot_key LIMIT ${page.limit}`;
  return rows.map((r) => ({
    key: r.key, startsAt: r.starts_local, attributes: r.attributes, firstSeenAt: new Date(r.first_seen).toISOString(), sortAt: Number(r.sort_at),
  }));
}
