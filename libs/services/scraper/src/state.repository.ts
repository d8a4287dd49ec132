import type { Db } from '@slotwatch/db';
import type { ProviderState, RequestBudget } from '@slotwatch/provider-core';

/** Per-watch provider state (sessions, handshakes, tokens) in Postgres, so every replica shares it. */
export function dbProviderState(db: Db, watchId: string): ProviderState {
  return {
    async get<T>(key: string) {
      const [row] = await db<{ value: T }[]>`
        SELECT value FROM provider_state
        WHERE watch_id = ${watchId} AND key = ${key} AND (expires_at IS NULL OR expires_at > now())`;
      return row?.value;
    },
    async set<T>(key: string, value: T, ttlSeconds?: number) {
      const expires = ttlSeconds ? new Date(Date.now() + ttlSeconds * 1000) : null;
      await db`
        INSERT INTO provider_state (watch_id, key, value, expires_at)
        VALUES (${watchId}, ${key}, ${db.json(value as never)}, ${expires})
        ON CONFLICT (watch_id, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`;
    },
    async delete(key: string) {
      await db`DELETE FROM provider_state WHERE watch_id = ${watchId} AND key = ${key}`;
    },
  };
}

/**
 * A fixed-window request budget shared by every scraper replica: one row per bucket and window,
 * incremented only while under the limit, so the call is refused before it is made.
 */
export function dbRequestBudget(db: Db): RequestBudget {
  return {
    async take(bucket, { calls, perSeconds }) {
      const rows = await db<{ calls: number; window_end: Date }[]>`
        WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM now()) / ${perSeconds}) * ${perSeconds}) AS start)
        INSERT INTO request_budget AS b (bucket, window_start, calls)
        SELECT ${bucket}, w.start, 1 FROM w
        ON CONFLICT (bucket, window_start) DO UPDATE SET calls = b.calls + 1 WHERE b.calls < ${calls}
        RETURNING b.calls, b.window_start + make_interval(secs => ${perSeconds}) AS window_end`;
      if (rows.length > 0) return { ok: true };
      const [end] = await db<{ window_end: Date }[]>`
        SELECT to_timestamp((floor(extract(epoch FROM now()) / ${perSeconds}) + 1) * ${perSeconds}) AS window_end`;
      return { ok: false, retryAfter: end?.window_end ?? new Date(Date.now() + perSeconds * 1000) };
    },
  };
}

export interface WatchForCheck {
  id: string;
  provider: string;
  target: unknown;
  active: boolean;
  credentialsSealed: string | null;
}

export async function loadWatch(db: Db, watchId: string): Promise<WatchForCheck | undefined> {
  const [row] = await db<{ id: string; provider: string; target: unknown; active: boolean; sealed: string | null }[]>`
    SELECT w.id, w.provider, w.target, w.active, c.sealed
    FROM watches w LEFT JOIN provider_credentials c ON c.watch_id = w.id
    WHERE w.id = ${watchId}`;
  return row && { id: row.id, provider: row.provider, target: row.target, active: row.active, credentialsSealed: row.sealed };
}

/** Old budget windows are of no use; keep the table small. */
export async function pruneBudgets(db: Db): Promise<void> {
  await db`DELETE FROM request_budget WHERE window_start < now() - interval '1 day'`;
}

/** A lock across replicas: a transaction-scoped advisory lock held while `work` runs. */
export const dbLock =
  (db: Db) =>
  <T>(key: string, work: () => Promise<T>): Promise<T> =>
    db.begin(async (tx) => {
      await tx`SELECT set_config('lock_timeout', '60s', true)`;
      await tx`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
      return work();
    }) as Promise<T>;
