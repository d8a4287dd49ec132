import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObservedSlotV1, SlotsObservedV1 } from '@slotwatch/contracts';
import { createDb, migrate, type Db } from '@slotwatch/db';
import { createTestInfra, type TestInfra } from '@slotwatch/testing';
import { applyObservation } from './differ.logic';

let infra: TestInfra;
let db: Db;

beforeAll(async () => {
  infra = await createTestInfra('differ');
  db = createDb(infra.databaseUrl, { max: 4 });
  await migrate(db);
});
afterAll(async () => {
  await db?.end();
  await infra?.cleanup();
});

async function newWatch(): Promise<string> {
  const [row] = await db<{ id: string }[]>`
    INSERT INTO watches (provider, name, target, interval_s) VALUES ('troov', 'Test', '{}'::jsonb, 60) RETURNING id`;
  return row!.id;
}

const slot = (day: string, time: string): ObservedSlotV1 => ({
  key: `${day}T${time}`,
  startsAt: `${day}T${time}:00-05:00`,
  scopeKey: day,
  attributes: { capacity: 1, rate: '0.00' },
});

const observation = (watchId: string, over: Partial<SlotsObservedV1>): SlotsObservedV1 => ({
  v: 1,
  checkId: randomUUID(),
  watchId,
  provider: 'troov',
  status: 'ok',
  scope: { keys: ['2026-12-01', '2026-12-02'] },
  slots: [],
  requests: 3,
  startedAt: new Date().toISOString(),
  observedAt: new Date().toISOString(),
  ...over,
});

const events = (watchId: string) =>
  db<{ kind: string; slot_key: string; payload: { slot: { openSeconds?: number } } }[]>`
    SELECT kind, slot_key, payload FROM slot_events WHERE watch_id = ${watchId} ORDER BY seq`;

const health = async (watchId: string) =>
  (await db<{ state: string; last_status: string; last_reason: string | null; consecutive_failures: number }[]>`
    SELECT state, last_status, last_reason, consecutive_failures FROM watch_health WHERE watch_id = ${watchId}`)[0];

describe('applyObservation', () => {
  it('opens new slots, writes one event and one outbox row each, and marks the watch available', async () => {
    const watchId = await newWatch();
    const result = await applyObservation(db, infra.naming, observation(watchId, { slots: [slot('2026-12-01', '09:15'), slot('2026-12-02', '10:00')] }));
    expect(result).toEqual({ applied: true, opened: 2, closed: 0 });
    expect((await events(watchId)).map((e) => e.kind)).toEqual(['slot.opened', 'slot.opened']);
    const [outbox] = await db<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox o JOIN slot_events e ON e.id = o.event_id WHERE e.watch_id = ${watchId}`;
    expect(outbox!.n).toBe(2);
    expect((await health(watchId))?.state).toBe('available');
  });

  it('changes nothing when the same observation is delivered twice', async () => {
    const watchId = await newWatch();
    const obs = observation(watchId, { slots: [slot('2026-12-01', '09:15')] });
    await applyObservation(db, infra.naming, obs);
    const again = await applyObservation(db, infra.naming, obs);
    expect(again.applied).toBe(false);
    expect(await events(watchId)).toHaveLength(1);
  });

  it('does not emit again for a slot that stays open', async () => {
    const watchId = await newWatch();
    await applyObservation(db, infra.naming, observation(watchId, { slots: [slot('2026-12-01', '09:15')] }));
    const second = await applyObservation(db, infra.naming, observation(watchId, { slots: [slot('2026-12-01', '09:15')] }));
    expect(second).toEqual({ applied: true, opened: 0, closed: 0 });
  });

  it('closes a slot that vanished inside the scope, with how long it was open', async () => {
    const watchId = await newWatch();
    await applyObservation(db, infra.naming, observation(watchId, { slots: [slot('2026-12-01', '09:15')], observedAt: new Date(Date.now() - 90_000).toISOString() }));
    const result = await applyObservation(db, infra.naming, observation(watchId, { slots: [] }));
    expect(result.closed).toBe(1);
    const closed = (await events(watchId)).at(-1)!;
    expect(closed.kind).toBe('slot.closed');
    expect(closed.payload.slot.openSeconds).toBeGreaterThanOrEqual(89);
    expect((await health(watchId))?.state).toBe('none');
  });

  it.each(['error', 'blocked', 'rate_limited', 'auth_failed'] as const)('closes nothing when the check says %s, and says why', async (status) => {
    const watchId = await newWatch();
    await applyObservation(db, infra.naming, observation(watchId, { slots: [slot('2026-12-01', '09:15')] }));
    const result = await applyObservation(db, infra.naming, observation(watchId, { status, reason: `because_${status}`, slots: [] }));
    expect(result.closed).toBe(0);
    const [open] = await db<{ n: number }[]>`SELECT count(*)::int AS n FROM slots WHERE watch_id = ${watchId} AND closed_at IS NULL`;
    expect(open!.n).toBe(1);
    expect(await health(watchId)).toMatchObject({ state: 'unknown', last_status: status, last_reason: `because_${status}`, consecutive_failures: 1 });
  });

  it('closes only inside a partial scope', async () => {
    const watchId = await newWatch();
    await applyObservation(db, infra.naming, observation(watchId, { slots: [slot('2026-12-01', '09:15'), slot('2026-12-02', '10:00')] }));
    // The call for 2026-12-02 failed: the snapshot covers only 2026-12-01.
    const result = await applyObservation(db, infra.naming, observation(watchId, { status: 'partial', scope: { keys: ['2026-12-01'] }, slots: [] }));
    expect(result.closed).toBe(1);
    const open = await db<{ slot_key: string }[]>`SELECT slot_key FROM slots WHERE watch_id = ${watchId} AND closed_at IS NULL`;
    expect(open.map((r) => r.slot_key)).toEqual(['2026-12-02T10:00']);
  });

  it('reopens a slot that closed and came back, as a new opened event', async () => {
    const watchId = await newWatch();
    await applyObservation(db, infra.naming, observation(watchId, { slots: [slot('2026-12-01', '09:15')] }));
    await applyObservation(db, infra.naming, observation(watchId, { slots: [] }));
    const result = await applyObservation(db, infra.naming, observation(watchId, { slots: [slot('2026-12-01', '09:15')] }));
    expect(result.opened).toBe(1);
    expect((await events(watchId)).map((e) => e.kind)).toEqual(['slot.opened', 'slot.closed', 'slot.opened']);
  });
});
