import type { Db } from '@slotwatch/db';

export interface DueWatch {
  watchId: string;
  provider: string;
  intervalS: number;
  tick: number;
}

/**
 * Claims the watches that are due, atomically (several scheduler replicas never claim one twice),
 * and moves each one's next due time an interval ahead — or to the time the upstream allows,
 * when a check was told to wait (watch_health.next_allowed_at).
 */
export async function claimDue(db: Db, limit = 500): Promise<DueWatch[]> {
  await db`
    INSERT INTO watch_schedule (watch_id, next_due_at)
    SELECT w.id, now() FROM watches w
    WHERE w.active AND NOT EXISTS (SELECT 1 FROM watch_schedule s WHERE s.watch_id = w.id)
    ON CONFLICT DO NOTHING`;
  const rows = await db<{ watch_id: string; provider: string; interval_s: number; tick: string }[]>`
    WITH due AS (
      SELECT s.watch_id, w.provider, w.interval_s
      FROM watch_schedule s
      JOIN watches w ON w.id = s.watch_id AND w.active
      LEFT JOIN watch_health h ON h.watch_id = s.watch_id
      WHERE s.next_due_at <= now() AND (h.next_allowed_at IS NULL OR h.next_allowed_at <= now())
      ORDER BY s.next_due_at
      LIMIT ${limit}
      FOR UPDATE OF s SKIP LOCKED
    )
    UPDATE watch_schedule s
    SET next_due_at = now() + make_interval(secs => due.interval_s),
        last_tick = floor(extract(epoch FROM now()) / due.interval_s)::bigint
    FROM due WHERE s.watch_id = due.watch_id
    RETURNING s.watch_id, due.provider, due.interval_s, s.last_tick AS tick`;
  return rows.map((r) => ({ watchId: r.watch_id, provider: r.provider, intervalS: r.interval_s, tick: Number(r.tick) }));
}

/** Puts a watch back to be due now (after a failed publish). */
export async function releaseDue(db: Db, watchId: string): Promise<void> {
  await db`UPDATE watch_schedule SET next_due_at = now() WHERE watch_id = ${watchId}`;
}
