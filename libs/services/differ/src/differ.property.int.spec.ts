import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, migrate, type Db } from '@slotwatch/db';
import { createTestInfra, type TestInfra } from '@slotwatch/testing';
import { newWatch, observation, openKeys, slot } from './diff.fixtures';
import { applyObservation } from './differ.logic';

let infra: TestInfra;
let db: Db;

beforeAll(async () => {
  infra = await createTestInfra('differ_prop');
  db = createDb(infra.databaseUrl, { max: 2 });
  await migrate(db);
});
afterAll(async () => {
  await db?.end();
  await infra?.cleanup();
});

const universe = Array.from({ length: 24 }, (_, i) => slot(i < 12 ? '2026-12-01' : '2026-12-02', `09:${String(i).padStart(2, '0')}`));
const guardOff = { massCloseGuard: false, massCloseMin: 5 };

describe('applyObservation, for any sequence of snapshots', () => {
  it('opens exactly what appeared, closes exactly what vanished, and emits nothing on a repeat', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.subarray(universe.map((_, i) => i)), { minLength: 1, maxLength: 5 }), async (snapshots) => {
        const watchId = await newWatch(db);
        let open = new Set<string>();
        for (const indexes of snapshots) {
          const seen = indexes.map((i) => universe[i]!);
          const keys = new Set(seen.map((s) => s.key));
          const obs = observation(watchId, { scope: { all: true }, slots: seen });
          const result = await applyObservation(db, infra.naming, obs, guardOff);
          const events = await db<{ kind: string; slot_key: string }[]>`
            SELECT kind, slot_key FROM slot_events WHERE check_id = ${obs.checkId} ORDER BY seq`;
          const opened = events.filter((e) => e.kind === 'slot.opened').map((e) => e.slot_key).sort();
          const closed = events.filter((e) => e.kind === 'slot.closed').map((e) => e.slot_key).sort();
          expect(opened).toEqual([...keys].filter((k) => !open.has(k)).sort());
          expect(closed).toEqual([...open].filter((k) => !keys.has(k)).sort());
          expect(result).toMatchObject({ opened: opened.length, closed: closed.length });
          open = keys;
          expect(await openKeys(db, watchId)).toEqual([...open].sort());

          // The same snapshot again, as a new check or as a redelivery: nothing happens.
          expect(await applyObservation(db, infra.naming, observation(watchId, { scope: { all: true }, slots: seen }), guardOff)).toMatchObject({ opened: 0, closed: 0 });
          expect(await applyObservation(db, infra.naming, obs, guardOff)).toMatchObject({ outcome: 'duplicate' });
        }
      }),
      { numRuns: 25 },
    );
  });
});
