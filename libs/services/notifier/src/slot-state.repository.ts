import type { Db } from '@slotwatch/db';

export interface OpenSlot {
  key: string;
  /** ISO with the watch's offset. */
  startsAt: string;
}

export interface WatchNow {
  id: string;
  name: string;
  provider: string;
  target: unknown;
  visibility: 'public' | 'private';
  /** The API key that created it (a private watch notifies only its owner's channels). */
  owner: string | null;
  /** When a check last succeeded: the open slots are known open as of then. */
  lastSuccessAt: Date | null;
  open: OpenSlot[];
}

/** The current state of some watches (the differ's tables, read only): what is open right now. */
export async function watchesNow(db: Db, watchIds: string[]): Promise<Map<string, WatchNow>> {
  if (watchIds.length === 0) return new Map();
  const rows = await db<{ id: string; name: string; provider: string; target: unknown; visibility: 'public' | 'private'; owner: string | null; last_success_at: Date | null; open: OpenSlot[] }[]>`
    SELECT w.id, w.name, w.provider, w.target, w.visibility, w.owner, h.last_success_at,
      COALESCE((SELECT json_agg(json_build_object('key', s.slot_key, 'startsAt', s.starts_local) ORDER BY s.starts_at)
                FROM slots s WHERE s.watch_id = w.id AND s.closed_at IS NULL), '[]'::json) AS open
    FROM watches w LEFT JOIN watch_health h ON h.watch_id = w.id
    WHERE w.id = ANY(${db.array(watchIds)}::uuid[])`;
  return new Map(
    rows.map((r) => [r.id, { id: r.id, name: r.name, provider: r.provider, target: r.target, visibility: r.visibility, owner: r.owner, lastSuccessAt: r.last_success_at, open: r.open }]),
  );
}

/** A subscriber's filters on a slot's local day and time (the same rules the fan-out applies). */
export interface SlotFilter {
  watchIds?: string[];
  from?: string;
  to?: string;
  earliestTime?: string;
}

export function slotMatches(filter: SlotFilter, startsAt: string): boolean {
  const day = startsAt.slice(0, 10);
  const time = startsAt.slice(11, 16);
  return (!filter.from || filter.from <= day) && (!filter.to || filter.to >= day) && (!filter.earliestTime || filter.earliestTime <= time);
}
