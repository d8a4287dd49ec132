// Helpers for the differ's integration tests (not exported from the lib).
import { randomUUID } from 'node:crypto';
import type { ObservedSlotV1, SlotChangedV1, SlotsObservedV1 } from '@slotwatch/contracts';
import type { Db } from '@slotwatch/db';

export async function newWatch(db: Db, over: { intervalS?: number; active?: boolean; name?: string } = {}): Promise<string> {
  const [row] = await db<{ id: string }[]>`
    INSERT INTO watches (provider, name, target, interval_s, active)
    VALUES ('troov', ${over.name ?? 'Test'}, '{}'::jsonb, ${over.intervalS ?? 60}, ${over.active ?? true}) RETURNING id`;
  return row!.id;
}

export const slot = (day: string, time: string, attributes: Record<string, unknown> = { capacity: 1, rate: '0.00' }): ObservedSlotV1 => ({
  key: `${day}T${time}`,
  startsAt: `${day}T${time}:00-05:00`,
  scopeKey: day,
  attributes,
});

/** `n` slots on 2026-12-01, 08:00, 08:01, … */
export const slots = (n: number, day = '2026-12-01'): ObservedSlotV1[] =>
  Array.from({ length: n }, (_, i) => slot(day, `${String(8 + Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`));

let clock = Date.now() - 600_000;
/** Observation times that only move forward, as a watch's checks do. */
export const tick = (): string => new Date((clock += 1000)).toISOString();

export const observation = (watchId: string, over: Partial<SlotsObservedV1> = {}): SlotsObservedV1 => {
  const at = tick();
  return {
    v: 1,
    checkId: randomUUID(),
    watchId,
    provider: 'troov',
    status: 'ok',
    scope: { keys: ['2026-12-01', '2026-12-02'] },
    slots: [],
    requests: 3,
    startedAt: at,
    observedAt: at,
    ...over,
  };
};

export const slotEvents = (db: Db, watchId: string) =>
  db<{ seq: string; id: string; kind: string; slot_key: string; open_seconds: number | null; payload: SlotChangedV1 }[]>`
    SELECT seq, id, kind, slot_key, open_seconds, payload FROM slot_events WHERE watch_id = ${watchId} ORDER BY seq`;

export interface HealthRow {
  state: string;
  last_status: string | null;
  last_reason: string | null;
  last_hint: string | null;
  consecutive_failures: number;
  open_slots: number;
  last_success_at: Date | null;
  last_attempt_at: Date | null;
  stale_since: Date | null;
  mass_close_held_at: Date | null;
}

export const health = async (db: Db, watchId: string): Promise<HealthRow | undefined> =>
  (await db<HealthRow[]>`
    SELECT state, last_status, last_reason, last_hint, consecutive_failures, open_slots, last_success_at, last_attempt_at,
           stale_since, mass_close_held_at
    FROM watch_health WHERE watch_id = ${watchId}`)[0];

export const openKeys = async (db: Db, watchId: string): Promise<string[]> =>
  (await db<{ slot_key: string }[]>`SELECT slot_key FROM slots WHERE watch_id = ${watchId} AND closed_at IS NULL ORDER BY slot_key`).map((r) => r.slot_key);
