/**
 * The differ's hot path: one 10,000-slot snapshot applied by `applyObservation` (one transaction:
 * lock, diff, events, outbox, health, commit), against a plain COPY of the same 10,000 rows into a
 * table of the same shape on the same server — the fastest way Postgres ingests rows, as a yardstick.
 *
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names the server; the bench
 * creates its own database there and drops it afterwards. No NATS is needed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import type { ObservedSlotV1, SlotsObservedV1 } from '@slotwatch/contracts';
import { createDb, migrate, type Db } from '@slotwatch/db';
import { applyObservation } from '@slotwatch/differ';
import type { BenchModule, BenchResult } from './run';

const SLOTS = 10_000;
const CHURN = 0.01; // of the slots vanish, and as many new ones appear, in each churn snapshot
const RUNS = 11;
const WARMUP = 2;
const DAYS = 100;
const naming = { prefix: 'bench' };

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

let serial = 0;
/** A fresh slot: day d of DAYS, a distinct time, small provider attributes like TROOV's. */
function newSlot(): ObservedSlotV1 {
  const n = serial++;
  const day = new Date(Date.UTC(2027, 0, 1) + (n % DAYS) * 86_400_000).toISOString().slice(0, 10);
  const minutes = Math.floor(n / DAYS);
  const time = `${String(7 + Math.floor(minutes / 60) % 12).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  return {
    key: `${day}T${time}#${n}`,
    startsAt: `${day}T${time}:00-05:00`,
    scopeKey: day,
    attributes: { capacity: 1 + (n % 3), rate: '0.00', site: `site-${n % 7}` },
  };
}

function observation(watchId: string, slots: ObservedSlotV1[]): SlotsObservedV1 {
  const now = new Date().toISOString();
  return {
    v: 1, checkId: randomUUID(), watchId, provider: 'troov', status: 'ok',
    scope: { keys: [...new Set(slots.map((s) => s.scopeKey))] },
    slots, requests: DAYS, startedAt: now, observedAt: now,
  };
}

async function newWatch(db: Db): Promise<string> {
  const [row] = await db<{ id: string }[]>`INSERT INTO watches (provider, name, target, interval_s) VALUES ('troov', 'bench', '{}'::jsonb, 60) RETURNING id`;
  return row!.id;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** COPY of the snapshot's rows (the slots table's columns) into `copy_target`, text format. */
async function copyRows(db: Db, watchId: string, slots: ObservedSlotV1[]): Promise<void> {
  const at = new Date().toISOString();
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
  const lines = slots.map((s) => [watchId, s.key, s.startsAt, s.startsAt, s.scopeKey, JSON.stringify(s.attributes), at, at].map(esc).join('\t')).join('\n') + '\n';
  const writable = await db`COPY copy_target (watch_id, slot_key, starts_at, starts_local, scope_key, attributes, first_seen, last_seen) FROM STDIN`.writable();
  writable.end(lines);
  await once(writable, 'finish');
}

async function measure(db: Db): Promise<BenchResult[]> {
  // Initial snapshot: 10,000 slots open on a fresh watch (10,000 events).
  const initial: number[] = [];
  for (let i = 0; i < 5; i++) {
    const w = await newWatch(db);
    const slots = Array.from({ length: SLOTS }, newSlot);
    initial.push(await timed(() => applyObservation(db, naming, observation(w, slots))));
  }

  const watchId = await newWatch(db);
  let current = Array.from({ length: SLOTS }, newSlot);
  await applyObservation(db, naming, observation(watchId, current));

  const churned = Math.round(SLOTS * CHURN);
  const churnRuns = async (): Promise<number[]> => {
    const times: number[] = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const kept = [...current];
      for (let k = 0; k < churned; k++) kept.splice(Math.floor(Math.random() * kept.length), 1);
      current = [...kept, ...Array.from({ length: churned }, newSlot)];
      const obs = observation(watchId, current);
      let result: Awaited<ReturnType<typeof applyObservation>> | undefined;
      const ms = await timed(async () => (result = await applyObservation(db, naming, obs)));
      if (result?.opened !== churned || result.closed !== churned) {
        throw new Error(`churn snapshot: expected ${churned} opened and closed, got ${result?.opened} / ${result?.closed}`);
      }
      if (i >= WARMUP) times.push(ms);
    }
    return times;
  };

  // Right after the watch's first snapshot: no statistics, no visibility map for the new rows yet.
  const cold = await churnRuns();
  // What autovacuum leaves a table in within a minute or so: statistics and the visibility map.
  await db`VACUUM (ANALYZE) slots`;
  const steady: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const ms = await timed(() => applyObservation(db, naming, observation(watchId, current)));
    if (i >= WARMUP) steady.push(ms);
  }
  const churn = await churnRuns();

  await db`CREATE TABLE copy_target (LIKE slots INCLUDING DEFAULTS INCLUDING INDEXES)`;
  const copy: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    await db`TRUNCATE copy_target`;
    const ms = await timed(() => copyRows(db, watchId, current));
    if (i >= WARMUP) copy.push(ms);
  }

  const churnMs = median(churn);
  const copyMs = median(copy);
  const diffRate = SLOTS / (churnMs / 1000);
  const copyRate = SLOTS / (copyMs / 1000);
  const runs = `median of ${RUNS}, after ${WARMUP} warm-up`;
  return [
    { metric: `diff of a 10,000-slot snapshot, 1 % churn (${churned} close, ${churned} open)`, value: churnMs, unit: 'ms', aim: { below: 100 }, note: `${runs}; slowest ${Math.round(Math.max(...churn))} ms; table vacuumed and analyzed` },
    { metric: '1 % churn, right after the watch was first filled (before autovacuum ran)', value: median(cold), unit: 'ms', note: `${runs}; slowest ${Math.round(Math.max(...cold))} ms` },
    { metric: 'diff rate, 1 % churn', value: diffRate, unit: 'slots/s', note: 'snapshot slots / median diff time' },
    { metric: 'COPY of the same 10,000 rows into a table of the same shape', value: copyMs, unit: 'ms', note: `${runs}; text COPY, with the slots table's indexes, includes commit` },
    { metric: 'COPY rate', value: copyRate, unit: 'rows/s' },
    { metric: 'diff rate / COPY rate', value: diffRate / copyRate, unit: 'ratio', aim: { atLeast: 0.3 } },
    { metric: 'diff of an unchanged 10,000-slot snapshot', value: median(steady), unit: 'ms', note: `${runs}; no events, no slot row written` },
    { metric: 'first snapshot of a watch: 10,000 slots open', value: median(initial), unit: 'ms', note: 'median of 5 fresh watches; 10,000 events + outbox rows' },
  ];
}

const bench: BenchModule = {
  name: 'differ',
  description:
    'applyObservation on one watch with 10,000 open slots (100 days × 100), TROOV-like attributes, scope = the days, ' +
    'against COPY of the same rows. Wall time from the call to the commit, client on the same host as Postgres; ' +
    'steady-state figures after VACUUM (ANALYZE) slots, as autovacuum leaves it.',
  async run() {
    const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const name = `sw_bench_${randomBytes(4).toString('hex')}`;
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    const db = createDb(url.toString(), { max: 2, applicationName: 'slotwatch-bench' });
    try {
      await migrate(db);
      return await measure(db);
    } finally {
      await db.end();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  },
};

export default bench;
