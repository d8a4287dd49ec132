import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WatchEventV1 } from '@slotwatch/contracts';
import { createDb, migrate, type Db } from '@slotwatch/db';
import { createTestInfra, type TestInfra } from '@slotwatch/testing';
import { health, newWatch, observation, openKeys, slot } from './diff.fixtures';
import { applyObservation } from './differ.logic';
import { detectStale } from './stale.detector';

let infra: TestInfra;
let db: Db;

beforeAll(async () => {
  infra = await createTestInfra('differ_stale');
  db = createDb(infra.databaseUrl, { max: 4 });
  await migrate(db);
});
afterAll(async () => {
  await db?.end();
  await infra?.cleanup();
});

const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

/** A watch (interval 60 s) whose last successful check was `seconds` ago, with one open slot. */
async function watchLastSeen(seconds: number, over: { active?: boolean } = {}): Promise<string> {
  const watchId = await newWatch(db, { intervalS: 60, ...over });
  await db`UPDATE watches SET created_at = now() - interval '1 day', updated_at = now() - interval '1 day' WHERE id = ${watchId}`;
  await applyObservation(db, infra.naming, observation(watchId, { slots: [slot('2026-12-01', '09:15')], startedAt: ago(seconds), observedAt: ago(seconds) }));
  return watchId;
}

const watchEvents = (watchId: string) =>
  db<{ kind: string; payload: WatchEventV1 }[]>`SELECT kind, payload FROM watch_events WHERE watch_id = ${watchId} ORDER BY seq`;

describe('stale watches', () => {
  it('marks a watch stale after three intervals without a successful check, once', async () => {
    const fresh = await watchLastSeen(100);
    const stale = await watchLastSeen(200);
    expect(await detectStale(db, infra.naming, 3)).toBeGreaterThanOrEqual(1);
    expect((await health(db, fresh))?.stale_since).toBeNull();
    const h = await health(db, stale);
    expect(h).toMatchObject({ state: 'unknown' });
    expect(h?.stale_since).not.toBeNull();
    const events = await watchEvents(stale);
    expect(events.map((e) => e.kind)).toEqual(['watch.stale']);
    expect(events[0]!.payload).toMatchObject({ type: 'watch.stale', state: 'unknown', watch: { id: stale }, lastStatus: 'ok' });
    // The open slot stays open: staleness says "we do not know", not "it closed".
    expect(await openKeys(db, stale)).toEqual(['2026-12-01T09:15']);

    await detectStale(db, infra.naming, 3);
    expect(await watchEvents(stale)).toHaveLength(1);
    expect(await watchEvents(fresh)).toHaveLength(0);
  });

  it('goes stale while its checks keep failing, and says how they fail', async () => {
    const watchId = await watchLastSeen(400);
    await applyObservation(db, infra.naming, observation(watchId, { status: 'blocked', reason: 'captcha_required', startedAt: ago(10), observedAt: ago(10) }));
    await detectStale(db, infra.naming, 3);
    const [event] = (await watchEvents(watchId)).filter((e) => e.kind === 'watch.stale');
    expect(event?.payload).toMatchObject({ type: 'watch.stale', lastStatus: 'blocked', lastReason: 'captcha_required' });
    expect(await openKeys(db, watchId)).toHaveLength(1);
  });

  it('emits watch.recovered when a check succeeds again, and not on a failed one', async () => {
    const watchId = await watchLastSeen(400);
    await detectStale(db, infra.naming, 3);
    await applyObservation(db, infra.naming, observation(watchId, { status: 'error', reason: 'http_500', startedAt: ago(5), observedAt: ago(5) }));
    expect((await health(db, watchId))?.stale_since).not.toBeNull();

    const ok = observation(watchId, { slots: [slot('2026-12-01', '09:15')], startedAt: ago(1), observedAt: ago(1) });
    const result = await applyObservation(db, infra.naming, ok);
    expect(result.recovered).toBe(true);
    expect(await health(db, watchId)).toMatchObject({ state: 'available', stale_since: null });
    const events = await watchEvents(watchId);
    expect(events.map((e) => e.kind)).toEqual(['watch.stale', 'watch.recovered']);
    expect(events[1]!.payload).toMatchObject({ state: 'available', checkId: ok.checkId });
    expect(events[1]!.payload.staleSince).toBe(events[0]!.payload.staleSince);
    const outbox = await db<{ kind: string; subject: string }[]>`SELECT kind, subject FROM outbox WHERE watch_id = ${watchId} AND kind = 'watch.event' ORDER BY id`;
    expect(outbox).toEqual([
      { kind: 'watch.event', subject: `${infra.naming.prefix}.watch.stale.${watchId}` },
      { kind: 'watch.event', subject: `${infra.naming.prefix}.watch.recovered.${watchId}` },
    ]);
  });

  it('leaves paused watches and new watches within their stale period alone', async () => {
    const paused = await watchLastSeen(1000, { active: false });
    const young = await newWatch(db, { intervalS: 60 });
    await detectStale(db, infra.naming, 3);
    expect(await watchEvents(paused)).toHaveLength(0);
    expect(await watchEvents(young)).toHaveLength(0);
  });

  it('marks a watch that was never checked stale, counting from its creation', async () => {
    const watchId = await newWatch(db, { intervalS: 60 });
    await db`UPDATE watches SET created_at = now() - interval '10 minutes', updated_at = now() - interval '10 minutes' WHERE id = ${watchId}`;
    await detectStale(db, infra.naming, 3);
    expect((await watchEvents(watchId)).map((e) => e.kind)).toEqual(['watch.stale']);
    expect((await health(db, watchId))?.state).toBe('unknown');
  });
});

describe('blocked watches', () => {
  it('tells operators once when the upstream starts blocking a watch, and closes nothing', async () => {
    const watchId = await watchLastSeen(30);
    const blocked = () => applyObservation(db, infra.naming, observation(watchId, { status: 'blocked', reason: 'captcha_required', detail: 'session needs a captcha', startedAt: ago(5), observedAt: ago(5) }));
    expect((await blocked()).blocked).toBe(true);
    expect((await blocked()).blocked).toBe(false);
    const events = (await watchEvents(watchId)).filter((e) => e.kind === 'watch.blocked');
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({ type: 'watch.blocked', state: 'unknown', lastStatus: 'blocked', lastReason: 'captcha_required' });
    expect(await openKeys(db, watchId)).toEqual(['2026-12-01T09:15']);
    const [outbox] = await db<{ subject: string }[]>`SELECT subject FROM outbox WHERE kind = 'watch.event' AND watch_id = ${watchId}`;
    expect(outbox?.subject).toBe(`${infra.naming.prefix}.watch.blocked.${watchId}`);
  });
});
