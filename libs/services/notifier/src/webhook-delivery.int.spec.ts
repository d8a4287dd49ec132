import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCircuitBreaker, createWebhookChannel, generateWebhookSecret, type WebhookChannel } from '@slotwatch/channel-webhook';
import { startWebhookReceiver, type WebhookReceiver } from '@slotwatch/channel-webhook/testing';
import type { SlotChangedV1 } from '@slotwatch/contracts';
import { createDb, migrate, SecretBox, type Db } from '@slotwatch/db';
import { createMetrics } from '@slotwatch/telemetry';
import { createTestInfra, waitFor, type TestInfra } from '@slotwatch/testing';
import { startDispatcher, type DispatcherOptions } from './dispatcher';
import { fanOut } from './fanout.repository';
import { insertApiKey, insertWatch, insertWebhook, slotEvent } from './test.fixtures';
import { webhookBody } from './webhook.body';
import type { WorkLoop } from './work-loop';

let infra: TestInfra;
let db: Db;
const box = new SecretBox(randomBytes(32));
const log = pino({ level: 'silent' });
const receivers: WebhookReceiver[] = [];
const loops: WorkLoop[] = [];
const channels: WebhookChannel[] = [];

beforeAll(async () => {
  infra = await createTestInfra('notifier_webhooks');
  db = createDb(infra.databaseUrl, { max: 8 });
  await migrate(db);
});
afterAll(async () => {
  for (const loop of loops) await loop.stop();
  for (const c of channels) await c.close();
  for (const r of receivers) await r.close();
  await db?.end();
  await infra?.cleanup();
});

async function receiver(): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver({ secret: generateWebhookSecret() });
  receivers.push(r);
  return r;
}

/** A dispatcher with a short injected schedule (50 ms between attempts) instead of real minutes. */
async function dispatcher(over: Partial<DispatcherOptions> = {}): Promise<WorkLoop> {
  const breaker = over.breaker ?? createCircuitBreaker();
  const channel = createWebhookChannel({ allowPrivate: true, userAgent: 'test', breaker, timeoutMs: 15_000 });
  channels.push(channel);
  const loop = await startDispatcher({ db, channel, breaker, secrets: box, log, metrics: createMetrics(), concurrency: 8, retryDelayMs: () => 50, stopGraceMs: 100, ...over });
  loops.push(loop);
  return loop;
}

async function emit(watchId: string, startsAt = '2026-12-01T09:15:00-05:00') {
  const event = slotEvent(watchId, startsAt);
  await fanOut(db, event, webhookBody(event), null);
  return event;
}

const attempts = (eventId: string) =>
  db<{ outcome: string; status: number | null }[]>`
    SELECT a.outcome, a.status FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.event_id = ${eventId} ORDER BY a.id`;

describe('webhook delivery', () => {
  it('delivers an event once, with the same webhook-id, to a receiver that was down for three attempts', async () => {
    const r = await receiver();
    const watchId = await insertWatch(db);
    await insertWebhook(db, box, `${r.url}/hook`, r.secret, { filter: { watchIds: [watchId] } });
    const loop = await dispatcher();
    r.failNext(3);
    const event = await emit(watchId);
    await r.waitFor((w) => w.status === 200 && w.id === event.eventId, 10_000);
    const mine = r.received().filter((w) => w.id === event.eventId);
    expect(mine.map((w) => w.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(mine.map((w) => w.headers['webhook-id']))).toEqual(new Set([event.eventId]));
    expect(mine.every((w) => w.verified)).toBe(true);
    expect(mine.map((w) => w.timestamp)).toEqual([...mine.map((w) => w.timestamp)].sort());
    await waitFor('the success recorded', async () => (await attempts(event.eventId)).length === 4);
    expect((await attempts(event.eventId)).map((a) => a.outcome)).toEqual(['retry', 'retry', 'retry', 'delivered']);
    await loop.stop();
  });

  it('disables a webhook that answers 410 Gone, and sends it nothing more', async () => {
    const r = await receiver();
    r.setMode({ mode: 'gone' });
    const watchId = await insertWatch(db);
    const hookId = await insertWebhook(db, box, `${r.url}/gone`, r.secret, { filter: { watchIds: [watchId] } });
    const loop = await dispatcher();
    await emit(watchId);
    const state = await waitFor('the webhook disabled', async () => (await db<{ disabled_at: Date | null; disabled_reason: string }[]>`SELECT disabled_at, disabled_reason FROM webhook_state WHERE webhook_id = ${hookId}`)[0]?.disabled_at && (await db`SELECT disabled_reason FROM webhook_state WHERE webhook_id = ${hookId}`)[0]);
    expect(state.disabled_reason).toMatch(/410 Gone/);
    const later = await emit(watchId, '2026-12-01T10:00:00-05:00');
    const [n] = await db<{ n: number }[]>`SELECT count(*)::int AS n FROM deliveries WHERE event_id = ${later.eventId}`;
    expect(n!.n).toBe(0);
    expect(r.received()).toHaveLength(1);
    await loop.stop();
  });

  it('does not let a slow endpoint delay the others', async () => {
    const slow = await receiver();
    const fast = await receiver();
    slow.setMode({ mode: 'slow', delayMs: 120_000 });
    const watchId = await insertWatch(db);
    await insertWebhook(db, box, `${slow.url}/slow`, slow.secret, { filter: { watchIds: [watchId] } });
    await insertWebhook(db, box, `${fast.url}/fast`, fast.secret, { filter: { watchIds: [watchId] } });
    // Four slots in all; one webhook may hold at most two.
    const loop = await dispatcher({ concurrency: 4, perEndpoint: 2 });
    const events: SlotChangedV1[] = [];
    for (let i = 0; i < 12; i++) events.push(await emit(watchId, `2026-12-0${1 + (i % 7)}T${String(8 + i).padStart(2, '0')}:00:00-05:00`));
    await waitFor('every event at the fast receiver', () => events.every((e) => fast.received().some((w) => w.id === e.eventId && w.status === 200)), 15_000);
    // Meanwhile the slow receiver has not answered once, and never held more than its share.
    expect(slow.received().length).toBeGreaterThan(0);
    expect(slow.received().length).toBeLessThanOrEqual(4);
    await loop.stop();
  });

  it('signs with the previous secret too until it expires', async () => {
    const r = await receiver();
    const watchId = await insertWatch(db);
    const [oldSecret, newSecret] = [generateWebhookSecret(), generateWebhookSecret()];
    r.setSecret(oldSecret);
    await insertWebhook(db, box, `${r.url}/rotating`, newSecret, { filter: { watchIds: [watchId] }, previous: { secret: oldSecret, expiresAt: new Date(Date.now() + 3600_000) } });
    const expired = await receiver();
    expired.setSecret(oldSecret);
    await insertWebhook(db, box, `${expired.url}/expired`, newSecret, { filter: { watchIds: [watchId] }, previous: { secret: oldSecret, expiresAt: new Date(Date.now() - 1000) } });
    const loop = await dispatcher();
    const event = await emit(watchId);
    const got = await r.waitFor((w) => w.id === event.eventId);
    expect(got.verified).toBe(true);
    expect(got.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(newSecret).verify(got.rawBody, got.headers)).not.toThrow();
    const refused = await expired.waitFor((w) => w.id === event.eventId);
    expect(refused.verified).toBe(false);
    expect(refused.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    await loop.stop();
  });

  it('disables an endpoint failing for five days and tells its owner on another webhook', async () => {
    const dead = await receiver();
    dead.setMode({ mode: 'fail' });
    const ops = await receiver();
    const owner = await insertApiKey(db);
    const watchId = await insertWatch(db);
    const deadId = await insertWebhook(db, box, `${dead.url}/dead`, dead.secret, { owner, filter: { watchIds: [watchId] } });
    await insertWebhook(db, box, `${ops.url}/ops`, ops.secret, { owner, filter: { watchIds: ['00000000-0000-4000-8000-000000000000'] } });
    await db`INSERT INTO webhook_state (webhook_id, failing_since) VALUES (${deadId}, now() - interval '5 days 1 minute')`;
    const loop = await dispatcher();
    await emit(watchId);
    const notice = await ops.waitFor((w) => (w.body as { type: string }).type === 'webhook.disabled', 10_000);
    expect(notice.verified).toBe(true);
    expect(notice.body).toMatchObject({ type: 'webhook.disabled', data: { webhookId: deadId, url: `${dead.url}/dead` } });
    const [state] = await db<{ disabled_reason: string }[]>`SELECT disabled_reason FROM webhook_state WHERE webhook_id = ${deadId}`;
    expect(state!.disabled_reason).toMatch(/every attempt failed since/);
    await loop.stop();
  });

  it('a success clears the failure run', async () => {
    const r = await receiver();
    const watchId = await insertWatch(db);
    const id = await insertWebhook(db, box, `${r.url}/flaky`, r.secret, { filter: { watchIds: [watchId] } });
    r.failNext(1);
    const loop = await dispatcher();
    const event = await emit(watchId);
    await r.waitFor((w) => w.id === event.eventId && w.status === 200);
    await waitFor('failing_since cleared', async () => (await db<{ f: Date | null }[]>`SELECT failing_since AS f FROM webhook_state WHERE webhook_id = ${id}`)[0]?.f === null);
    await loop.stop();
  });

  it('sends each delivery once when two dispatchers share the work', async () => {
    const r = await receiver();
    const watchId = await insertWatch(db);
    await insertWebhook(db, box, `${r.url}/shared`, r.secret, { filter: { watchIds: [watchId] } });
    const [a, b] = [await dispatcher({ perEndpoint: 64 }), await dispatcher({ perEndpoint: 64 })];
    const events: SlotChangedV1[] = [];
    for (let i = 0; i < 40; i++) events.push(await emit(watchId, `2026-12-01T${String(8 + (i % 10)).padStart(2, '0')}:${String(i).padStart(2, '0')}:00-05:00`));
    await waitFor('all 40', () => events.every((e) => r.received().some((w) => w.id === e.eventId)), 15_000);
    const ids = r.received().map((w) => w.id);
    expect(ids).toHaveLength(new Set(ids).size);
    // A redelivered message adds nothing.
    const again = events[0]!;
    expect(await fanOut(db, again, webhookBody(again), null)).toEqual({ webhooks: 0, email: 0, twitter: 0 });
    await a.stop();
    await b.stop();
  });
});
