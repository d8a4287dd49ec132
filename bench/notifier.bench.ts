/**
 * The notifier's webhook path (issue 6).
 *
 * 1. Fan-out throughput: 10,000 webhook subscriptions × 1 event. The clock starts before the fan-out
 *    transaction and stops when the receiver has answered all 10,000 signed POSTs (dispatcher with the
 *    default 64 in flight, group-committed attempt records). Next to it, the raw rate of plain HTTP
 *    POSTs from the same process to the same receiver with autocannon (64 connections, same body
 *    size), and the ratio of the two.
 * 2. Latency from observation to webhook receipt at 1,000 watches: the differ and the notifier run
 *    (runServices, real NATS and Postgres); one SlotsObservedV1 per watch, each opening one slot, is
 *    published at a steady 100/s; latency = receipt time − the observation's observedAt.
 *
 * DATABASE_URL / NATS_URL (defaults: the local servers) name the servers; the bench makes its own
 * databases and subject prefixes and removes them afterwards.
 */
import { createRequire } from 'node:module';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { trace } from '@opentelemetry/api';
import { createCircuitBreaker, createWebhookChannel, generateWebhookSecret } from '@slotwatch/channel-webhook';
import { subjects, type SlotChangedV1, type SlotsObservedV1 } from '@slotwatch/contracts';
import { createDb, migrate, SecretBox, type Db } from '@slotwatch/db';
import { differService } from '@slotwatch/differ';
import { connectBus } from '@slotwatch/messaging';
import { fanOut, notifierService, startDispatcher, webhookBody } from '@slotwatch/notifier';
import { runServices } from '@slotwatch/runtime';
import { createMetrics } from '@slotwatch/telemetry';
import { createTestInfra, testConfig, waitFor } from '@slotwatch/testing';
import type { BenchModule, BenchResult } from './run';

const SUBSCRIPTIONS = 10_000;
const WATCHES = 1_000;
const WARMUP_WATCHES = 50;
const RATE_PER_S = 100;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);

type Autocannon = (opts: { url: string; method: string; connections: number; duration: number; headers: Record<string, string>; body: string }) => Promise<{ requests: { average: number; total: number }; non2xx: number; errors: number }>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
process.env.NATS_URL ??= 'nats://127.0.0.1:4222';
const log = pino({ level: 'silent' });

/** A receiver that answers 200 at once and notes when each request arrived. */
async function receiver(onRequest: (req: IncomingMessage, body: string, at: number) => void) {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      onRequest(req, Buffer.concat(chunks).toString('utf8'), Date.now());
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '11' });
      res.end('{"ok":true}');
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

async function throughput(): Promise<BenchResult[]> {
  const infra = await createTestInfra('bench_notifier');
  const db: Db = createDb(infra.databaseUrl, { max: 10 });
  let received = 0;
  const hook = await receiver(() => void received++);
  const box = new SecretBox(randomBytes(32));
  const breaker = createCircuitBreaker();
  const channel = createWebhookChannel({ allowPrivate: true, userAgent: 'bench', breaker });
  try {
    await migrate(db);
    const [watch] = await db<{ id: string }[]>`INSERT INTO watches (provider, name, target, interval_s) VALUES ('troov', 'bench', '{}'::jsonb, 60) RETURNING id`;
    const sealed = box.seal(generateWebhookSecret());
    for (let i = 0; i < SUBSCRIPTIONS; i += 1000) {
      const urls = Array.from({ length: Math.min(1000, SUBSCRIPTIONS - i) }, (_, k) => `${hook.url}/h/${i + k}`);
      await db`INSERT INTO webhooks (url, secret_sealed) SELECT unnest(${db.array(urls)}::text[]), ${sealed}`;
    }
    const loop = await startDispatcher({ db, channel, breaker, secrets: box, log, metrics: createMetrics(), concurrency: CONCURRENCY });
    const now = new Date().toISOString();
    const event: SlotChangedV1 = {
      v: 1, eventId: randomUUID(), seq: 1, type: 'slot.opened', at: now, watch: { id: watch!.id, name: 'bench', provider: 'troov' }, visibility: 'public',
      slot: { key: '2027-01-04T09:15', startsAt: '2027-01-04T09:15:00-05:00', attributes: { capacity: 1 }, firstSeenAt: now }, observedAt: now, checkId: randomUUID(),
    };
    const body = webhookBody(event);
    const t0 = performance.now();
    await fanOut(db, event, body, null);
    loop.kick();
    await waitFor('all webhooks received', () => received >= SUBSCRIPTIONS, 300_000, 5);
    const seconds = (performance.now() - t0) / 1000;
    await loop.stop();
    const rate = SUBSCRIPTIONS / seconds;

    const raw = await autocannon({
      url: `${hook.url}/raw`, method: 'POST', connections: CONCURRENCY, duration: 5,
      headers: { 'content-type': 'application/json', 'webhook-id': event.eventId, 'webhook-timestamp': '1700000000', 'webhook-signature': `v1,${randomBytes(32).toString('base64')}` },
      body,
    });
    return [
      { metric: `10,000 webhook subscriptions × 1 event: fan-out to all received`, value: seconds * 1000, unit: 'ms', note: `${CONCURRENCY} in flight` },
      { metric: 'webhook delivery rate (signed, recorded)', value: rate, unit: 'deliveries/s' },
      { metric: 'raw HTTP POST rate, same receiver (autocannon, 64 connections, 5 s)', value: raw.requests.average, unit: 'req/s', note: `${raw.requests.total} requests, ${raw.non2xx} non-2xx, ${raw.errors} errors` },
      { metric: 'delivery rate / raw POST rate', value: rate / raw.requests.average, unit: 'ratio', aim: { atLeast: 0.5 }, note: 'Postgres-bound: each delivery is a lease write, an attempt row and a state write (claims and records are batched, async commit)' },
    ];
  } finally {
    await channel.close();
    await hook.close();
    await db.end();
    await infra.cleanup();
  }
}

async function latency(): Promise<BenchResult[]> {
  const infra = await createTestInfra('bench_latency');
  const latencies = new Map<string, number>();
  const hook = await receiver((_req, body, at) => {
    const payload = JSON.parse(body) as { data: { watch: { id: string }; observedAt: string } };
    latencies.set(payload.data.watch.id, at - Date.parse(payload.data.observedAt));
  });
  const config = testConfig(infra, { deliveryConcurrency: CONCURRENCY });
  const running = await runServices([differService, notifierService], config, { name: 'bench', log });
  const bus = await connectBus({ url: infra.natsUrl, naming: infra.naming, tracer: trace.getTracer('bench'), log, name: 'bench-publisher' });
  try {
    const db = running.ctx.db;
    const box = new SecretBox(config.secretKey!);
    const watches: string[] = [];
    for (let i = 0; i < WATCHES + WARMUP_WATCHES; i++) {
      const [w] = await db<{ id: string }[]>`INSERT INTO watches (provider, name, target, interval_s) VALUES ('troov', ${`bench ${i}`}, '{}'::jsonb, 60) RETURNING id`;
      watches.push(w!.id);
      await db`INSERT INTO webhooks (url, secret_sealed, filter) VALUES (${`${hook.url}/w/${i}`}, ${box.seal(generateWebhookSecret())}, ${db.json({ watchIds: [w!.id] })})`;
    }
    const observe = async (watchId: string) => {
      const now = new Date().toISOString();
      const obs: SlotsObservedV1 = {
        v: 1, checkId: randomUUID(), watchId, provider: 'troov', status: 'ok', scope: { keys: ['2027-01-04'] },
        slots: [{ key: '2027-01-04T09:15', startsAt: '2027-01-04T09:15:00-05:00', scopeKey: '2027-01-04', attributes: { capacity: 1 } }],
        requests: 1, startedAt: now, observedAt: now,
      };
      await bus.publish('slots.observed', subjects.slotsObserved(infra.naming, 'troov'), obs, obs.checkId);
    };
    // Warm-up (connections, JIT), not counted.
    for (const w of watches.slice(0, WARMUP_WATCHES)) await observe(w);
    await waitFor('warm-up received', () => watches.slice(0, WARMUP_WATCHES).every((w) => latencies.has(w)), 60_000);
    const measured = watches.slice(WARMUP_WATCHES);
    const start = performance.now();
    for (let i = 0; i < measured.length; i++) {
      const due = start + (i * 1000) / RATE_PER_S;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await observe(measured[i]!);
    }
    await waitFor('every watch’s webhook', () => measured.every((w) => latencies.has(w)), 120_000, 20);
    const ms = measured.map((w) => latencies.get(w)!);
    return [
      { metric: `observation → webhook receipt, p50 (${WATCHES} watches, ${RATE_PER_S} observations/s, differ + notifier)`, value: percentile(ms, 50), unit: 'ms' },
      { metric: `observation → webhook receipt, p99 (${WATCHES} watches)`, value: percentile(ms, 99), unit: 'ms', aim: { below: 100 }, note: `max ${Math.max(...ms)} ms` },
    ];
  } finally {
    await bus.close();
    await running.stop();
    await hook.close();
    await infra.cleanup();
  }
}

const bench: BenchModule = {
  name: 'notifier',
  description: 'Webhook fan-out to 10,000 subscriptions vs raw HTTP POSTs to the same receiver; observation → webhook latency at 1,000 watches (differ + notifier, NATS, Postgres).',
  async run() {
    return [...(await throughput()), ...(await latency())];
  },
};
export default bench;
