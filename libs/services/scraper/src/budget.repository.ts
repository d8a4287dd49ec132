import type { Db } from '@slotwatch/db';

/** Calls left in the current window of each bucket (request_budget), for the budget gauge. */
export async function budgetRemaining(db: Db, limits: Map<string, { calls: number; perSeconds: number }>): Promise<Array<{ bucket: string; remaining: number }>> {
  if (limits.size === 0) return [];
  const buckets = [...limits.keys()];
  const rows = await db<{ bucket: string; calls: number }[]>`
    SELECT k.bucket, coalesce(b.calls, 0)::int AS calls
    FROM unnest(${db.array(buckets)}::text[], ${db.array(buckets.map((k) => limits.get(k)!.perSeconds))}::int[]) AS k(bucket, per_seconds)
    LEFT JOIN request_budget b
      ON b.bucket = k.bucket AND b.window_start = to_timestamp(floor(extract(epoch FROM now()) / k.per_seconds) * k.per_seconds)`;
  return rows.map((r) => ({ bucket: r.bucket, remaining: Math.max(0, limits.get(r.bucket)!.calls - r.calls) }));
}
