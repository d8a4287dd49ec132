import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, migrate, type Db } from '@slotwatch/db';
import { createTestInfra, type TestInfra } from '@slotwatch/testing';
import { health, newWatch, observation, openKeys, slot, slotEvents, slots } from './diff.fixtures';
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

const apply = (obs: Parameters<typeof applyObservation>[2], options?: Parameters<typeof applyObservation>[3]) =>
  applyObservation(db, infra.naming, obs, options);

const outboxCount = async (watchId: string) =>
  (await db<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE watch_id = ${watchId}`)[0]!.n;

describe('applyObservation', () => {
  it('opens new slots, writes one event and one outbox row each, and marks the watch available', async () => {
    const watchId = await newWatch(db);
    const result = await apply(observation(watchId, { slots: [slot('2026-12-01', '09:15'), slot('2026-12-02', '10:00')] }));
    expect(result).toMatchObject({ applied: true, outcome: 'applied', opened: 2, closed: 0, held: 0 });
    const events = await slotEvents(db, watchId);
    expect(events.map((e) => e.kind)).toEqual(['slot.opened', 'slot.opened']);
    // The payload carries its own seq and id, as the relay publishes it.
    for (const e of events) expect(e.payload).toMatchObject({ seq: Number(e.seq), eventId: e.id, type: e.kind });
    const outbox = await db<{ event_id: string; kind: string; subject: string }[]>`SELECT event_id, kind, subject FROM outbox WHERE watch_id = ${watchId} ORDER BY id`;
    expect(outbox.map((o) => o.event_id)).toEqual(events.map((e) => e.id));
    expect(outbox.every((o) => o.kind === 'slots.changed' && o.subject === `${infra.naming.prefix}.slots.changed.troov.${watchId}`)).toBe(true);
    expect(await health(db, watchId)).toMatchObject({ state: 'available', open_slots: 2, last_status: 'ok' });
  });

  it('changes nothing when the same observation is delivered twice', async () => {
    const watchId = await newWatch(db);
    const obs = observation(watchId, { slots: [slot('2026-12-01', '09:15')] });
    await apply(obs);
    const before = await health(db, watchId);
    const again = await apply(obs);
    expect(again).toMatchObject({ applied: false, outcome: 'duplicate', opened: 0, closed: 0 });
    expect(await slotEvents(db, watchId)).toHaveLength(1);
    expect(await outboxCount(watchId)).toBe(1);
    expect(await health(db, watchId)).toEqual(before);
  });

  it('neither emits nor rewrites the row of a slot that stays open', async () => {
    const watchId = await newWatch(db);
    await apply(observation(watchId, { slots: [slot('2026-12-01', '09:15')] }));
    const version = async () => (await db<{ v: string }[]>`SELECT xmin::text AS v FROM slots WHERE watch_id = ${watchId}`)[0]!.v;
    const before = await version();
    const second = await apply(observation(watchId, { slots: [slot('2026-12-01', '09:15')] }));
    expect(second).toMatchObject({ applied: true, opened: 0, closed: 0 });
    expect(await version()).toBe(before);
    expect(await slotEvents(db, watchId)).toHaveLength(1);
  });

  it('refreshes the facts of an open slot without an event', async () => {
    const watchId = await newWatch(db);
    await apply(observation(watchId, { slots: [slot('2026-12-01', '09:15', { capacity: 3 })] }));
    const result = await apply(observation(watchId, { slots: [slot('2026-12-01', '09:15', { capacity: 2 })] }));
    expect(result).toMatchObject({ opened: 0, closed: 0 });
    const [row] = await db<{ attributes: { capacity: number } }[]>`SELECT attributes FROM slots WHERE watch_id = ${watchId}`;
    expect(row!.attributes.capacity).toBe(2);
    expect(await slotEvents(db, watchId)).toHaveLength(1);
  });

  it('closes a slot that vanished inside the scope, with how long it was open', async () => {
    const watchId = await newWatch(db);
    const t0 = Date.now() - 120_000;
    await apply(observation(watchId, { slots: [slot('2026-12-01', '09:15')], observedAt: new Date(t0).toISOString() }));
    const result = await apply(observation(watchId, { slots: [], observedAt: new Date(t0 + 90_000).toISOString() }));
    expect(result.closed).toBe(1);
    const closed = (await slotEvents(db, watchId)).at(-1)!;
    expect(closed.kind).toBe('slot.closed');
    expect(closed.payload.slot.openSeconds).toBe(90);
    expect(closed.open_seconds).toBe(90);
    const [row] = await db<{ open_seconds: number }[]>`SELECT open_seconds FROM slots WHERE watch_id = ${watchId}`;
    expect(row!.open_seconds).toBe(90);
    expect(await health(db, watchId)).toMatchObject({ state: 'none', open_slots: 0 });
  });

  it.each(['error', 'blocked', 'rate_limited', 'auth_failed'] as const)('closes nothing when the check says %s, and says why', async (status) => {
    const watchId = await newWatch(db);
    await apply(observation(watchId, { slots: [slot('2026-12-01', '09:15')] }));
    const before = await health(db, watchId);
    const result = await apply(observation(watchId, { status, reason: `because_${status}`, slots: [] }));
    expect(result).toMatchObject({ closed: 0, opened: 0 });
    expect(await openKeys(db, watchId)).toEqual(['2026-12-01T09:15']);
    expect(await health(db, watchId)).toMatchObject({
      state: 'unknown', last_status: status, last_reason: `because_${status}`, consecutive_failures: 1, open_slots: 1,
      last_success_at: before!.last_success_at,
    });
  });

  it('says unknown, never none, after a failed check of a watch with nothing open', async () => {
    const watchId = await newWatch(db);
    await apply(observation(watchId, { slots: [] }));
    expect((await health(db, watchId))?.state).toBe('none');
    await apply(observation(watchId, { status: 'blocked', reason: 'captcha_required' }));
    const h = await health(db, watchId);
    expect(h?.state).toBe('unknown');
    expect(h?.last_attempt_at?.getTime()).toBeGreaterThan(h!.last_success_at!.getTime());
  });

  it('closes only inside a partial scope', async () => {
    const watchId = await newWatch(db);
    await apply(observation(watchId, { slots: [slot('2026-12-01', '09:15'), slot('2026-12-02', '10:00')] }));
    // The call for 2026-12-02 failed: the snapshot covers only 2026-12-01.
    const result = await apply(observation(watchId, { status: 'partial', scope: { keys: ['2026-12-01'] }, slots: [] }));
    expect(result.closed).toBe(1);
    expect(await openKeys(db, watchId)).toEqual(['2026-12-02T10:00']);
  });

  it('says unknown, not none, when a partial check finds nothing open', async () => {
    const watchId = await newWatch(db);
    await apply(observation(watchId, { status: 'partial', scope: { keys: ['2026-12-01'] }, slots: [] }));
    expect((await health(db, watchId))?.state).toBe('unknown');
  });

  it('reopens a slot that closed and came back, as a new opened event with a fresh lifetime', async () => {
    const watchId = await newWatch(db);
    await apply(observation(watchId, { slots: [slot('2026-12-01', '09:15')] }));
    await apply(observation(watchId, { slots: [] }));
    const back = observation(watchId, { slots: [slot('2026-12-01', '09:15')] });
    const result = await apply(back);
    expect(result.opened).toBe(1);
    const events = await slotEvents(db, watchId);
    expect(events.map((e) => e.kind)).toEqual(['slot.opened', 'slot.closed', 'slot.opened']);
    expect(events.at(-1)!.payload.slot.firstSeenAt).toBe(back.observedAt);
  });

  it('ignores an observation older than the last successful one', async () => {
    const watchId = await newWatch(db);
    const older = observation(watchId, { slots: [slot('2026-12-01', '09:15')] });
    const newer = observation(watchId, { slots: [] });
    await apply(newer);
    const result = await apply(older);
    expect(result).toMatchObject({ applied: false, outcome: 'superseded' });
    expect(await openKeys(db, watchId)).toEqual([]);
    expect(await slotEvents(db, watchId)).toHaveLength(0);
  });

  it('takes each slot once when a snapshot lists it twice', async () => {
    const watchId = await newWatch(db);
    const result = await apply(observation(watchId, { slots: [slot('2026-12-01', '09:15'), slot('2026-12-01', '09:15', { capacity: 2 })] }));
    expect(result.opened).toBe(1);
  });

  it('writes one snapshot’s events with consecutive seqs, ordered by slot key', async () => {
    const watchId = await newWatch(db);
    await apply(observation(watchId, { slots: [slot('2026-12-02', '10:00'), slot('2026-12-01', '09:15'), slot('2026-12-01', '08:00')] }));
    const events = await slotEvents(db, watchId);
    expect(events.map((e) => e.slot_key)).toEqual(['2026-12-01T08:00', '2026-12-01T09:15', '2026-12-02T10:00']);
    const seqs = events.map((e) => Number(e.seq));
    expect(seqs).toEqual([seqs[0], seqs[0]! + 1, seqs[0]! + 2]);
  });

  it('answers unknown_watch for a watch that no longer exists', async () => {
    const result = await apply(observation('00000000-0000-4000-8000-000000000000', { slots: [slot('2026-12-01', '09:15')] }));
    expect(result).toMatchObject({ applied: false, outcome: 'unknown_watch' });
  });
});

describe('the mass-closure guard', () => {
  it('holds a mass closure until a second snapshot confirms it', async () => {
    const watchId = await newWatch(db);
    await apply(observation(watchId, { slots: slots(6) }));
    const first = await apply(observation(watchId, { slots: [] }));
    expect(first).toMatchObject({ closed: 0, held: 6 });
    expect(await openKeys(db, watchId)).toHaveLength(6);
    const held = await health(db, watchId);
    expect(held).toMatchObject({ state: 'unknown', open_slots: 6 });
    expect(held?.mass_close_held_at).not.toBeNull();
    expect(held?.last_hint).toMatch(/6 open slots/);

    const second = await apply(observation(watchId, { slots: [] }));
    expect(second).toMatchObject({ closed: 6, held: 0 });
    expect(await openKeys(db, watchId)).toEqual([]);
    expect(await health(db, watchId)).toMatchObject({ state: 'none', open_slots: 0, mass_close_held_at: null });
    expect((await slotEvents(db, watchId)).filter((e) => e.kind === 'slot.closed')).toHaveLength(6);
  });

  it('drops a held mass closure when the next snapshot sees the slots again', async () => {
    const watchId = await newWatch(db);
    await apply(observation(watchId, { slots: slots(6) }));
    await apply(observation(watchId, { slots: [] }));
    const back = await apply(observation(watchId, { slots: slots(6) }));
    expect(back).toMatchObject({ opened: 0, closed: 0, held: 0 });
    expect(await health(db, watchId)).toMatchObject({ state: 'available', mass_close_held_at: null });
    // The guard is armed again: the next empty snapshot is held once more.
    expect(await apply(observation(watchId, { slots: [] }))).toMatchObject({ closed: 0, held: 6 });
  });

  it('keeps a held mass closure through failed checks', async () => {
    const watchId = await newWatch(db);
    await apply(observation(watchId, { slots: slots(5) }));
    await apply(observation(watchId, { slots: [] }));
    await apply(observation(watchId, { status: 'error', reason: 'http_500' }));
    expect(await apply(observation(watchId, { slots: [] }))).toMatchObject({ closed: 5 });
  });

  it('closes at once below the threshold, or when a snapshot still sees one of the open slots', async () => {
    const few = await newWatch(db);
    await apply(observation(few, { slots: slots(4) }));
    expect(await apply(observation(few, { slots: [] }))).toMatchObject({ closed: 4, held: 0 });

    const many = await newWatch(db);
    await apply(observation(many, { slots: slots(8) }));
    expect(await apply(observation(many, { slots: slots(8).slice(0, 1) }))).toMatchObject({ closed: 7, held: 0 });
  });

  it('closes at once when the guard is off', async () => {
    const watchId = await newWatch(db);
    await apply(observation(watchId, { slots: slots(6) }));
    expect(await apply(observation(watchId, { slots: [] }), { massCloseGuard: false, massCloseMin: 5 })).toMatchObject({ closed: 6, held: 0 });
  });

  it('counts every open slot of the watch, not only those in scope', async () => {
    const watchId = await newWatch(db);
    await apply(observation(watchId, { slots: [...slots(6, '2026-12-01'), slot('2026-12-02', '10:00')] }));
    // Six of seven vanish inside the scope: not every open slot, so no hold.
    const result = await apply(observation(watchId, { status: 'partial', scope: { keys: ['2026-12-01'] }, slots: [] }));
    expect(result).toMatchObject({ closed: 6, held: 0 });
  });
});
