import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { trace } from '@opentelemetry/api';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamName, subjects, type SlotsObservedV1 } from '@slotwatch/contracts';
import { createDb, migrate, type Db } from '@slotwatch/db';
import { connectBus, type Bus } from '@slotwatch/messaging';
import { runServices, type Running } from '@slotwatch/runtime';
import { createTestInfra, testConfig, waitFor, type TestInfra } from '@slotwatch/testing';
import { newWatch, observation, slots } from './diff.fixtures';
import { differService } from './differ.service';

/**
 * Two differ replicas (each its own Postgres pool, NATS connection and outbox relay) share the
 * durable `differ` consumer. Every observation is published twice under different message ids,
 * so JetStream stores and delivers both copies, and the replicas race on them.
 */
let infra: TestInfra;
let db: Db;
let bus: Bus;
let jsm: JetStreamManager;
const replicas: Running[] = [];
const log = pino({ level: 'silent' });

beforeAll(async () => {
  infra = await createTestInfra('differ_replicas');
  db = createDb(infra.databaseUrl, { max: 4 });
  await migrate(db);
  const config = testConfig(infra);
  for (const name of ['differ-a', 'differ-b']) replicas.push(await runServices([differService], config, { name, log }));
  bus = await connectBus({ url: infra.natsUrl, naming: infra.naming, tracer: trace.getTracer('test'), log, name: 'scraper-stand-in' });
  jsm = await jetstreamManager(bus.nc);
}, 60_000);
afterAll(async () => {
  for (const r of replicas) await r.stop();
  await bus?.close();
  await db?.end();
  await infra?.cleanup();
});

async function publishTwice(obs: SlotsObservedV1): Promise<void> {
  const subject = subjects.slotsObserved(infra.naming, obs.provider);
  await bus.publish('slots.observed', subject, obs, `${obs.checkId}:first`);
  await bus.publish('slots.observed', subject, obs, `${obs.checkId}:again`);
}

async function settled(): Promise<void> {
  await waitFor('the differ consumer to finish', async () => {
    const info = await jsm.consumers.info(streamName(infra.naming, 'OBSERVATIONS'), 'differ');
    return info.num_pending === 0 && info.num_ack_pending === 0;
  }, 30_000);
  await waitFor('the outbox to drain', async () =>
    (await db<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`)[0]!.n === 0, 30_000);
}

const streamCount = async () => (await jsm.streams.info(streamName(infra.naming, 'SLOT_EVENTS'))).state.messages;
const eventCount = async () => (await db<{ n: number }[]>`SELECT count(*)::int AS n FROM slot_events`)[0]!.n;

describe('two differ replicas on one stream', () => {
  it('produce exactly one event per change', async () => {
    const watches = await Promise.all(Array.from({ length: 12 }, () => newWatch(db)));

    // Round 1: three slots open on every watch.
    await Promise.all(watches.map((w) => publishTwice(observation(w, { slots: slots(3) }))));
    await settled();
    expect(await eventCount()).toBe(36);

    // Round 2: on every watch one slot closes and one opens.
    await Promise.all(watches.map((w) => publishTwice(observation(w, { slots: [...slots(3).slice(1), ...slots(1, '2026-12-02')] }))));
    await settled();
    expect(await eventCount()).toBe(60);

    const ids = (await db<{ id: string }[]>`SELECT id FROM slot_events`).map((r) => r.id);
    expect(new Set(ids).size).toBe(60);
    expect(await streamCount()).toBe(60);
    const [applied] = await db<{ n: number }[]>`SELECT count(*)::int AS n FROM applied_observations`;
    expect(applied!.n).toBe(24);
  });
});
