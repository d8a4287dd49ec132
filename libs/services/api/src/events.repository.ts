import type { Db } from '@slotwatch/db';
import type { Caller } from './auth';

export interface EventView {
  seq: number;
  id: string;
  type: 'slot.opened' | 'slot.closed';
  watchId: string;
  at: string;
  data: Record<string, unknown>;
}

interface Row { seq: string; id: string; kind: EventView['type']; watch_id: string; at: Date; payload: Record<string, unknown> }

const toView = (r: Row): EventView => ({ seq: Number(r.seq), id: r.id, type: r.kind, watchId: r.watch_id, at: new Date(r.at).toISOString(), data: r.payload });

/**
 * The slot event log in `seq` order. The differ allocates seqs right before commit under one lock
 * (migration 002), so paging with `seq > after` never skips an event that commits later.
 * `caller` undefined = the public: public watches only; an integrator also sees its own private ones.
 */
export async function listEvents(
  db: Db,
  q: { after?: number; limit: number; watchId?: string; type?: EventView['type'] },
  caller: Caller | undefined,
): Promise<EventView[]> {
  const visible = caller?.role === 'admin' ? db`true` : caller ? db`(w.visibility = 'public' OR w.owner = ${caller.keyId})` : db`w.visibility = 'public'`;
  const rows = await db<Row[]>`
    SELECT e.seq, e.id, e.kind, e.watch_id, e.at, e.payload
    FROM slot_events e JOIN watches w ON w.id = e.watch_id
    WHERE e.seq > ${q.after ?? 0}
      AND ${q.watchId ? db`e.watch_id = ${q.watchId}` : db`true`}
      AND ${q.type ? db`e.kind = ${q.type}` : db`true`}
      AND ${visible}
    ORDER BY e.seq LIMIT ${q.limit}`;
  return rows.map(toView);
}

/** The newest events first (feeds). */
export async function latestPublicEvents(db: Db, limit: number, watchId?: string): Promise<EventView[]> {
  const rows = await db<Row[]>`
    SELECT e.seq, e.id, e.kind, e.watch_id, e.at, e.payload
    FROM slot_events e JOIN watches w ON w.id = e.watch_id
    WHERE w.visibility = 'public' AND ${watchId ? db`e.watch_id = ${watchId}` : db`true`}
    ORDER BY e.seq DESC LIMIT ${limit}`;
  return rows.map(toView);
}
