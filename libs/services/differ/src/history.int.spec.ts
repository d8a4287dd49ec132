import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, migrate, type Db } from '@slotwatch/db';
import { createTestInfra, type TestInfra } from '@slotwatch/testing';
import { newWatch, observation, slot, slots } from './diff.fixtures';
import { applyObservation } from './differ.logic';
import { pruneHistory, readSlotEvents, slotLifetime } from './history.repository';

let infra: TestInfra;
let db: Db;

beforeAll(async () => {
  infra = await createTestInfra('differ_history');
  db = createDb(infra.databaseUrl, { max: 4 });
  await migrate(db);
});
afterAll(async () => {
  await db?.end();
  await infra?.cleanup();
});

const at = (base: number, seconds: number) => new Date(base + seconds * 1000).toISOString();

describe('slot history', () => {
  it('gives the median time slots stay open per watch', async () => {
    const watchId = await newWatch(db);
    const t0 = Date.now() - 3_600_000;
    const a = slot('2026-12-01', '09:00');
    const b = slot('2026-12-01', '10:00');
    const c = slot('2026-12-01', '11:00');
    const apply = (slotsSeen: typeof a[], s: number) =>
      applyObservation(db, infra.naming, observation(watchId, { slots: slotsSeen, startedAt: at(t0, s), observedAt: at(t0, s) }));
    await apply([a, b, c], 0);
    await apply([b, c], 60); // a lived 60 s
    await apply([c], 240); // b lived 240 s
    await apply([], 600); // c lived 600 s
    expect(await slotLifetime(db, watchId)).toEqual({ closedSlots: 3, medianOpenSeconds: 240, p90OpenSeconds: 528 });
    expect(await slotLifetime(db, await newWatch(db))).toEqual({ closedSlots: 0, medianOpenSeconds: null, p90OpenSeconds: null });
  });

  it('reads events in order, page by page after a cursor, missing none', async () => {
    const watchId = await newWatch(db);
    await applyObservation(db, infra.naming, observation(watchId, { slots: slots(7) }));
    await applyObservation(db, infra.naming, observation(watchId, { slots: slots(7).slice(2) }));
    const all = await readSlotEvents(db, { watchId, limit: 1000 });
    expect(all).toHaveLength(9);
    const paged: number[] = [];
    let after = 0;
    for (;;) {
      const page = await readSlotEvents(db, { watchId, after, limit: 4 });
      if (page.length === 0) break;
      paged.push(...page.map((e) => e.seq));
      after = page.at(-1)!.seq;
    }
    expect(paged).toEqual(all.map((e) => e.seq));
    expect([...paged].sort((x, y) => x - y)).toEqual(paged);
    expect(all.slice(-2).map((e) => e.type)).toEqual(['slot.closed', 'slot.closed']);
  });

  it('prunes events and closed slots past their retention and keeps the rest', async () => {
    const watchId = await newWatch(db);
    await applyObservation(db, infra.naming, observation(watchId, { slots: slots(3) }));
    await applyObservation(db, infra.naming, observation(watchId, { slots: slots(3).slice(1) }));
    // Age the first snapshot's events and the closed slot past 90 days.
    await db`UPDATE slot_events SET at = now() - interval '91 days' WHERE watch_id = ${watchId} AND kind = 'slot.opened'`;
    await db`UPDATE slots SET closed_at = now() - interval '91 days' WHERE watch_id = ${watchId} AND closed_at IS NOT NULL`;
    await db`UPDATE outbox SET published_at = now() - interval '2 days' WHERE watch_id = ${watchId}`;
    await db`UPDATE applied_observations SET applied_at = now() - interval '3 days' WHERE watch_id = ${watchId}`;

    const pruned = await pruneHistory(db, { retentionDays: 90, batch: 2 });
    expect(pruned.slotEvents).toBeGreaterThanOrEqual(3);
    expect(pruned.closedSlots).toBeGreaterThanOrEqual(1);
    expect(pruned.outbox).toBeGreaterThanOrEqual(4);
    expect(pruned.appliedObservations).toBeGreaterThanOrEqual(2);
    const left = await db<{ kind: string }[]>`SELECT kind FROM slot_events WHERE watch_id = ${watchId}`;
    expect(left.map((e) => e.kind)).toEqual(['slot.closed']);
    const [open] = await db<{ n: number }[]>`SELECT count(*)::int AS n FROM slots WHERE watch_id = ${watchId}`;
    expect(open!.n).toBe(2);
  });
});
