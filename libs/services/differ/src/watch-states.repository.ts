import type { Db } from '@slotwatch/db';

export const WATCH_STATES = ['available', 'none', 'unknown', 'paused'] as const;

/** Watches by provider and state (watch_health; `paused` for inactive ones), for the watches gauge. */
export async function countWatchStates(db: Db): Promise<Array<{ provider: string; state: string; n: number }>> {
  return db<{ provider: string; state: string; n: number }[]>`
    SELECT w.provider, CASE WHEN NOT w.active THEN 'paused' ELSE COALESCE(h.state, 'unknown') END AS state, count(*)::int AS n
    FROM watches w LEFT JOIN watch_health h ON h.watch_id = w.id
    GROUP BY 1, 2`;
}
