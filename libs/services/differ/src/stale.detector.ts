import type { Naming, SnapshotStatus } from '@slotwatch/contracts';
import type { Db } from '@slotwatch/db';
import { writeWatchEvents } from './events.repository';
import { watchEvent } from './watch-event';

interface StaleRow {
  id: string; name: string; provider: string; visibility: 'public' | 'private';
  last_success_at: Date | null; last_attempt_at: Date | null; last_status: SnapshotStatus | null; last_reason: string | null;
  stale_since: Date;
}

/**
 * Marks stale every active watch without a successful check for `staleAfterIntervals` of its
 * intervals (counted from its last success, or from its creation or last edit when later): state
 * unknown, `stale_since` set, and one watch.stale event each, in one transaction. Rows a diff holds
 * are skipped and looked at on the next run. Returns how many went stale.
 */
export async function detectStale(db: Db, naming: Naming, staleAfterIntervals: number): Promise<number> {
  return db.begin(async (tx) => {
    // A watch never checked has no health row yet; it can go stale all the same.
    await tx`
      INSERT INTO watch_health (watch_id)
      SELECT w.id FROM watches w
      WHERE w.active AND NOT EXISTS (SELECT 1 FROM watch_health h WHERE h.watch_id = w.id)
      ON CONFLICT DO NOTHING`;
    const rows = await tx<StaleRow[]>`
      WITH due AS (
        SELECT h.watch_id FROM watch_health h JOIN watches w ON w.id = h.watch_id
        WHERE w.active AND h.stale_since IS NULL
          AND GREATEST(COALESCE(h.last_success_at, w.created_at), w.created_at, w.updated_at)
              < now() - make_interval(secs => w.interval_s * ${staleAfterIntervals})
        ORDER BY h.watch_id
        FOR UPDATE OF h SKIP LOCKED
      )
      UPDATE watch_health h SET stale_since = now(), state = 'unknown', updated_at = now()
      FROM due, watches w
      WHERE h.watch_id = due.watch_id AND w.id = h.watch_id
      RETURNING w.id, w.name, w.provider, w.visibility, h.last_success_at, h.last_attempt_at, h.last_status, h.last_reason, h.stale_since`;
    if (rows.length === 0) return 0;
    const at = new Date();
    await writeWatchEvents(
      tx,
      at,
      rows.map((r) =>
        watchEvent(naming, 'watch.stale', r, at, {
          state: 'unknown',
          lastSuccessAt: r.last_success_at,
          lastAttemptAt: r.last_attempt_at,
          lastStatus: r.last_status,
          lastReason: r.last_reason,
          staleSince: r.stale_since,
        }),
      ),
    );
    return rows.length;
  });
}
