import type { SlotChangedV1 } from '@slotwatch/contracts';
import type { Db } from '@slotwatch/db';

/**
 * Slot events after a cursor, oldest first. `seq` is drawn in commit order (see
 * events.repository.ts), so paging with the last seq read never skips an event.
 * The api runs the same query against the same table.
 */
export async function readSlotEvents(db: Db, options: { after?: number; watchId?: string; limit?: number }): Promise<SlotChangedV1[]> {
  const after = options.after ?? 0;
  const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
  const rows = options.watchId
    ? await db<{ payload: SlotChangedV1 }[]>`
        SELECT payload FROM slot_events WHERE watch_id = ${options.watchId} AND seq > ${after} ORDER BY seq LIMIT ${limit}`
    : await db<{ payload: SlotChangedV1 }[]>`
        SELECT payload FROM slot_events WHERE seq > ${after} ORDER BY seq LIMIT ${limit}`;
  return rows.map((r) => r.payload);
}

export interface SlotLifetime {
  closedSlots: number;
  /** Median seconds a slot stayed open ("slots here last ~4 min"); null before the first closure. */
  medianOpenSeconds: number | null;
  p90OpenSeconds: number | null;
}

/** How long this watch's slots stay open, over the retained history (the `slot_lifetimes` view). */
export async function slotLifetime(db: Db, watchId: string): Promise<SlotLifetime> {
  const [row] = await db<{ closed_slots: number; median_open_seconds: number; p90_open_seconds: number }[]>`
    SELECT closed_slots, median_open_seconds, p90_open_seconds FROM slot_lifetimes WHERE watch_id = ${watchId}`;
  return {
    closedSlots: row?.closed_slots ?? 0,
    medianOpenSeconds: row ? Number(row.median_open_seconds) : null,
    p90OpenSeconds: row ? Number(row.p90_open_seconds) : null,
  };
}

export interface PruneOptions {
  /** Slot and watch events, and slots closed, longer ago than this are deleted. */
  retentionDays: number;
  /** Rows per delete statement, so a large backlog never holds long locks. */
  batch?: number;
}

export interface Pruned {
  slotEvents: number;
  watchEvents: number;
  closedSlots: number;
  outbox: number;
  appliedObservations: number;
}

/**
 * Deletes history past its retention, in small batches: slot and watch events, long-closed slots,
 * published outbox rows after a day (JetStream's duplicate window is an hour), and applied check
 * ids after two days (the OBSERVATIONS stream keeps messages one day, so none can come back).
 */
export async function pruneHistory(db: Db, options: PruneOptions): Promise<Pruned> {
  const batch = options.batch ?? 5000;
  const days = options.retentionDays;
  const loop = async (run: () => Promise<number>): Promise<number> => {
    let total = 0;
    for (;;) {
      const n = await run();
      total += n;
      if (n < batch) return total;
    }
  };
  const count = (rows: { n: number }[]) => rows[0]?.n ?? 0;
  return {
    slotEvents: await loop(async () => count(await db<{ n: number }[]>`
      WITH gone AS (DELETE FROM slot_events WHERE seq IN (
        SELECT seq FROM slot_events WHERE at < now() - make_interval(days => ${days}) ORDER BY seq LIMIT ${batch}) RETURNING 1)
      SELECT count(*)::int AS n FROM gone`)),
    watchEvents: await loop(async () => count(await db<{ n: number }[]>`
      WITH gone AS (DELETE FROM watch_events WHERE seq IN (
        SELECT seq FROM watch_events WHERE at < now() - make_interval(days => ${days}) ORDER BY seq LIMIT ${batch}) RETURNING 1)
      SELECT count(*)::int AS n FROM gone`)),
    closedSlots: await loop(async () => count(await db<{ n: number }[]>`
      WITH gone AS (DELETE FROM slots WHERE closed_at < now() - make_interval(days => ${days}) AND (watch_id, slot_key) IN (
        SELECT watch_id, slot_key FROM slots WHERE closed_at < now() - make_interval(days => ${days}) LIMIT ${batch}) RETURNING 1)
      SELECT count(*)::int AS n FROM gone`)),
    outbox: await loop(async () => count(await db<{ n: number }[]>`
      WITH gone AS (DELETE FROM outbox WHERE id IN (
        SELECT id FROM outbox WHERE published_at < now() - interval '1 day' LIMIT ${batch}) RETURNING 1)
      SELECT count(*)::int AS n FROM gone`)),
    appliedObservations: await loop(async () => count(await db<{ n: number }[]>`
      WITH gone AS (DELETE FROM applied_observations WHERE check_id IN (
        SELECT check_id FROM applied_observations WHERE applied_at < now() - interval '2 days' LIMIT ${batch}) RETURNING 1)
      SELECT count(*)::int AS n FROM gone`)),
  };
}
