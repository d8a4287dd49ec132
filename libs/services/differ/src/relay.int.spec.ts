import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { trace } from '@opentelemetry/api';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamName, type StreamKey } from '@slotwatch/contracts';
import { createDb, migrate, type Db } from '@slotwatch/db';
import { connectBus, type Bus } from '@slotwatch/messaging';
import { createTestInfra, waitFor, type TestInfra } from '@slotwatch/testing';
import { newWatch, observation, slot, slots } from './diff.fixtures';
import { applyObservation } from './differ.logic';
import { drainOutbox, startOutboxRelay } from './outbox.relay';
import { detectStale } from './stale.detector';

let infra: TestInfra;
let db: Db;
let bus: Bus;
let jsm: JetStreamManager;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  infra = await createTestInfra('differ_relay');
  db = createDb(infra.databaseUrl, { max: 4 });
  await migrate(db);
  bus = await connectBus({ url: infra.natsUrl, naming: infra.naming, tracer: trace.getTracer('test'), log, name: 'relay-test' });
  jsm = await jetstreamManager(bus.nc);
});
afterAll(async () => {
  await bus?.close();
  await db?.end();
  await infra?.cleanup();
});

interface Stored { subject: string; msgId: string | undefined; payload: { eventId: string; seq: number; type: string } }

/** Every message a stream holds, in stream order. */
async function stored(key: StreamKey): Promise<Stored[]> {
  const name = streamName(infra.naming, key);
  const { state } = await jsm.streams.info(name);
  const out: Stored[] = [];
  for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(name, { seq });
    if (m) out.push({ subject: m.subject, msgId: m.header.get('Nats-Msg-Id') || undefined, payload: m.json() });
  }
  return out;
}

async function drainAll(): Promise<void> {
  for (;;) {
    const r = await drainOutbox(db, bus, { log });
    if (r.error) throw r.error;
    if (!r.busy && r.read === 0) return;
  }
}

const unpublished = async () => (await db<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`)[0]!.n;

describe('the outbox relay', () => {
  it('publishes each slot event once, in order per watch, with the event id as Nats-Msg-Id', async () => {
    const a = await newWatch(db);
    const b = await newWatch(db);
    for (const watchId of [a, b]) {
      await applyObservation(db, infra.naming, observation(watchId, { slots: slots(4) }));
      await applyObservation(db, infra.naming, observation(watchId, { slots: slots(4).slice(1) }));
      await applyObservation(db, infra.naming, observation(watchId, { slots: [slot('2026-12-02', '10:00'), ...slots(4).slice(1)] }));
    }
    await drainAll();
    expect(await unpublished()).toBe(0);
    const messages = await stored('SLOT_EVENTS');
    for (const watchId of [a, b]) {
      const events = await db<{ id: string; seq: string }[]>`SELECT id, seq FROM slot_events WHERE watch_id = ${watchId} ORDER BY seq`;
      const mine = messages.filter((m) => m.subject.endsWith(`.${watchId}`));
      expect(mine.map((m) => m.payload.eventId)).toEqual(events.map((e) => e.id));
      expect(mine.map((m) => m.payload.seq)).toEqual(events.map((e) => Number(e.seq)));
      expect(mine.every((m) => m.msgId === m.payload.eventId)).toBe(true);
    }
  });

  it('publishes watch.stale and watch.recovered to WATCH_EVENTS', async () => {
    const watchId = await newWatch(db, { intervalS: 60 });
    await db`UPDATE watches SET created_at = now() - interval '1 hour', updated_at = now() - interval '1 hour' WHERE id = ${watchId}`;
    await detectStale(db, infra.naming, 3);
    await applyObservation(db, infra.naming, observation(watchId, { slots: [slot('2026-12-01', '09:15')] }));
    await drainAll();
    const messages = (await stored('WATCH_EVENTS')).filter((m) => m.subject.endsWith(`.${watchId}`));
    expect(messages.map((m) => [m.subject, m.payload.type])).toEqual([
      [`${infra.naming.prefix}.watch.stale.${watchId}`, 'watch.stale'],
      [`${infra.naming.prefix}.watch.recovered.${watchId}`, 'watch.recovered'],
    ]);
    expect(messages.every((m) => m.msgId === m.payload.eventId)).toBe(true);
  });

  it('resends after a crash between publish and mark, and JetStream keeps one copy', async () => {
    await drainAll();
    const watchId = await newWatch(db);
    await applyObservation(db, infra.naming, observation(watchId, { slots: slots(3) }));
    const ofWatch = async () => (await stored('SLOT_EVENTS')).filter((m) => m.subject.endsWith(`.${watchId}`));

    // The relay publishes, then dies before it marks the rows: the transaction rolls back.
    await expect(drainOutbox(db, bus, { log, afterPublish: () => { throw new Error('relay killed'); } })).rejects.toThrow('relay killed');
    expect(await unpublished()).toBe(3);
    expect(await ofWatch()).toHaveLength(3);

    const again = await drainOutbox(db, bus, { log });
    expect(again).toMatchObject({ read: 3, published: 3, duplicates: 3 });
    expect(await unpublished()).toBe(0);
    const messages = await ofWatch();
    expect(messages).toHaveLength(3);
    expect(new Set(messages.map((m) => m.payload.eventId)).size).toBe(3);
  });

  it('lets one relay drain at a time and loses nothing when two run side by side', async () => {
    const watchId = await newWatch(db);
    await applyObservation(db, infra.naming, observation(watchId, { slots: slots(20) }));
    const [x, y] = await Promise.all([drainOutbox(db, bus, { log }), drainOutbox(db, bus, { log })]);
    expect([x.busy, y.busy].filter(Boolean).length).toBeLessThanOrEqual(1);
    await drainAll();
    const messages = (await stored('SLOT_EVENTS')).filter((m) => m.subject.endsWith(`.${watchId}`));
    expect(messages).toHaveLength(20);
    expect(messages.every((m) => m.payload.type === 'slot.opened')).toBe(true);
  });

  it('publishes what the differ commits while it runs, woken by the commit', async () => {
    const relay = await startOutboxRelay(db, bus, log);
    try {
      const watchId = await newWatch(db);
      await applyObservation(db, infra.naming, observation(watchId, { slots: slots(2) }));
      const ids = (await db<{ id: string }[]>`SELECT id FROM slot_events WHERE watch_id = ${watchId}`).map((r) => r.id);
      await waitFor('the events on the stream', async () => {
        const messages = (await stored('SLOT_EVENTS')).filter((m) => m.subject.endsWith(`.${watchId}`));
        return ids.every((id) => messages.some((m) => m.payload.eventId === id));
      });
      await relay.idle();
      expect(await unpublished()).toBe(0);
    } finally {
      await relay.stop();
    }
  });
});
