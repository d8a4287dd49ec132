import type { Db } from '@slotwatch/db';

export interface WatchView {
  id: string;
  provider: string;
  name: string;
  target: Record<string, unknown>;
  intervalSeconds: number;
  active: boolean;
  visibility: 'public' | 'private';
  createdAt: string;
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
    openSlots: number;
  };
}

interface Row {
  id: string; provider: string; name: string; target: Record<string, unknown>; interval_s: number; active: boolean;
  visibility: 'public' | 'private'; created_at: Date; state: WatchView['health']['state'] | null; last_status: string | null;
  last_reason: string | null; last_detail: string | null; last_hint: string | null; last_attempt_at: Date | null;
  last_success_at: Date | null; consecutive_failures: number | null; next_allowed_at: Date | null; open_slots: number | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function toView(r: Row): WatchView {
  return {
    id: r.id, provider: r.provider, name: r.name, target: r.target, intervalSeconds: r.interval_s, active: r.active,
    visibility: r.visibility, createdAt: new Date(r.created_at).toISOString(),
    health: {
      state: r.state ?? 'unknown', lastStatus: r.last_status, reason: r.last_reason, detail: r.last_detail, hint: r.last_hint,
      lastAttemptAt: iso(r.last_attempt_at), lastSuccessAt: iso(r.last_success_at), consecutiveFailures: r.consecutive_failures ?? 0,
      nextAllowedAt: iso(r.next_allowed_at), openSlots: r.open_slots ?? 0,
    },
  };
}

const SELECT = (db: Db) => db`
  SELECT w.*, h.state, h.last_status, h.last_reason, h.last_detail, h.last_hint, h.last_attempt_at, h.last_success_at,
         h.consecutive_failures, h.next_allowed_at, h.open_slots
  FROM watches w LEFT JOIN watch_health h ON h.watch_id = w.id`;

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

export async function getWatch(db: Db, id: string): Promise<WatchView | undefined> {
  const [row] = await db<Row[]>`${SELECT(db)} WHERE w.id = ${id}`;
  return row && toView(row);
}

export async function listWatches(db: Db, page: { after?: string; limit: number }): Promise<WatchView[]> {
  const rows = await db<Row[]>`
    ${SELECT(db)} WHERE ${page.after ? db`w.id > ${page.after}` : db`true`}
    ORDER BY w.id LIMIT ${page.limit}`;
  return rows.map(toView);
}

export async function deleteWatch(db: Db, id: string): Promise<boolean> {
  const rows = await db`DELETE FROM watches WHERE id = ${id} RETURNING 1`;
  return rows.length === 1;
}

export async function listOpenSlots(db: Db, watchId: string) {
  return db<{ key: string; startsAt: string; attributes: Record<string, unknown>; firstSeenAt: Date }[]>`
    SELECT slot_key AS key, starts_local AS "startsAt", attributes, first_seen AS "firstSeenAt"
    FROM slots WHERE watch_id = ${watchId} AND closed_at IS NULL ORDER BY starts_at`;
}
