import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '@slotwatch/channel-webhook/testing';
import type { Config } from '@slotwatch/config';
import { notifierService } from '@slotwatch/notifier';
import { startFakeTroov, type FakeTroov } from '@slotwatch/provider-troov/testing';
import { runServices, type Running } from '@slotwatch/runtime';
import { createTestInfra, testConfig, waitFor, sleep, type TestInfra } from '@slotwatch/testing';
import { type AdminClient, adminClient, montrealPassport, slotPool } from './e2e.fixtures';
import { startSlotwatch } from './run.command';

/**
 * One slot travels the whole way, through public interfaces only: the fake TROOV server's control
 * API → scheduler → scraper → differ → notifier → a signed webhook at a receiver that checks the
 * signature with the reference `standardwebhooks` library.
 */
let infra: TestInfra;
let config: Config;
let fake: FakeTroov;
let receiver: WebhookReceiver;
let main: Running;
let notifier: Running | undefined;
let secret: string;
let watchId: string;
let api: string;

const silent = pino({ level: process.env.E2E_LOG ? 'debug' : 'silent' }, process.env.E2E_LOG ? pino.destination(process.env.E2E_LOG) : undefined);

let http: AdminClient['call'];

interface Payload { type: string; data: { eventId: string; slot: { key: string; startsAt: string }; watch: { id: string } } }
const payload = (w: ReceivedWebhook) => JSON.parse(w.rawBody) as Payload;
const ofType = (type: string, key?: string) => receiver.received().filter((w) => payload(w).type === type && (!key || payload(w).data.slot.key === key));

let someFreeSlots: (n: number) => { day: string; time: string }[];

beforeAll(async () => {
  infra = await createTestInfra('e2e');
  config = testConfig(infra, { minIntervalOverride: 1 });
  fake = await startFakeTroov();
  someFreeSlots = slotPool(fake);
  receiver = await startWebhookReceiver({ secret: 'whsec_' + Buffer.alloc(32).toString('base64') });
  // The notifier runs apart from the rest, so the test can stop and restart it mid-stream.
  main = await startSlotwatch(config, { services: 'scheduler,scraper,differ,api', log: silent });
  notifier = await runServices([notifierService], config, { name: 'notifier', log: silent });
  api = main.url!;
  http = adminClient(api, config.adminKey!).call;

  const watch = await http<{ id: string }>('POST', '/v1/watches', {
    provider: 'troov',
    name: 'Montréal passport',
    intervalSeconds: 1,
    target: montrealPassport(fake),
  });
  expect(watch.status).toBe(201);
  watchId = watch.body.id;
  const hook = await http<{ secret: string }>('POST', '/v1/webhooks', { url: `${receiver.url}/slots` });
  expect(hook.status).toBe(201);
  secret = hook.body.secret;
  receiver.setSecret(secret);
  // The first successful check: the watch knows there is nothing open.
  await waitFor('the first check', async () => (await http<{ health: { state: string } }>('GET', `/v1/watches/${watchId}`)).body.health.state === 'none', 20_000);
}, 60_000);

afterAll(async () => {
  await notifier?.stop();
  await main?.stop();
  await receiver?.close();
  await fake?.close();
  await infra?.cleanup();
});

describe('a slot travelling end to end', () => {
  it('sends one signed slot.opened webhook when the fake shows a free slot', async () => {
    const [slot] = someFreeSlots(1);
    fake.control.openSlot(slot!.day, slot!.time);
    const key = `${slot!.day}T${slot!.time}`;
    const hook = await receiver.waitFor((w) => payload(w).type === 'slot.opened' && payload(w).data.slot.key === key, 20_000);
    // Verified independently with the reference library and the secret the API handed out.
    expect(() => new Webhook(secret).verify(hook.rawBody, hook.headers)).not.toThrow();
    expect(hook.verified).toBe(true);
    expect(hook.headers['webhook-id']).toBe(payload(hook).data.eventId);
    expect(payload(hook).data.watch.id).toBe(watchId);
    expect(payload(hook).data.slot.startsAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00[-+]\d\d:\d\d$/);
    await sleep(2500); // more checks pass: still exactly one opened event
    expect(ofType('slot.opened', key)).toHaveLength(1);

    fake.control.closeSlot(slot!.day, slot!.time);
    await receiver.waitFor((w) => payload(w).type === 'slot.closed' && payload(w).data.slot.key === key, 20_000);
    await sleep(1500);
    expect(ofType('slot.closed', key)).toHaveLength(1);
  });

  it('closes nothing while the upstream answers 500, and the watch says why', async () => {
    const [slot] = someFreeSlots(1);
    fake.control.openSlot(slot!.day, slot!.time);
    const key = `${slot!.day}T${slot!.time}`;
    await receiver.waitFor((w) => payload(w).type === 'slot.opened' && payload(w).data.slot.key === key, 20_000);

    fake.control.setFailure({ endpoint: 'any', status: 500 });
    const health = await waitFor('an unhealthy watch', async () => {
      const w = (await http<{ health: { state: string; lastStatus: string; reason: string | null; consecutiveFailures: number } }>('GET', `/v1/watches/${watchId}`)).body;
      return w.health.consecutiveFailures >= 2 ? w.health : undefined;
    }, 20_000);
    expect(health.state).toBe('unknown');
    expect(health.lastStatus).toBe('error');
    expect(health.reason).toBeTruthy();
    expect(ofType('slot.closed', key)).toHaveLength(0);
    const open = await http<{ items: { key: string }[] }>('GET', `/v1/watches/${watchId}/slots`);
    expect(open.body.items.map((s) => s.key)).toContain(key);

    fake.control.setFailure(null);
    await waitFor('recovery', async () => (await http<{ health: { state: string } }>('GET', `/v1/watches/${watchId}`)).body.health.state === 'available', 20_000);
    expect(ofType('slot.closed', key)).toHaveLength(0);
    fake.control.closeSlot(slot!.day, slot!.time);
    await receiver.waitFor((w) => payload(w).type === 'slot.closed' && payload(w).data.slot.key === key, 20_000);
  });

  it('loses no event and sends none twice when the notifier stops and restarts mid-stream', { timeout: 60_000 }, async () => {
    const slots = someFreeSlots(12);
    const keys = slots.map((s) => `${s.day}T${s.time}`);
    for (const s of slots.slice(0, 4)) fake.control.openSlot(s.day, s.time);
    await receiver.waitFor((w) => payload(w).type === 'slot.opened' && keys.includes(payload(w).data.slot.key), 20_000);

    await notifier!.stop();
    notifier = undefined;
    for (const s of slots.slice(4)) fake.control.openSlot(s.day, s.time);
    await sleep(3000); // checks run and events pile up in JetStream while no notifier runs
    notifier = await runServices([notifierService], config, { name: 'notifier', log: silent });

    await waitFor('all 12 opened webhooks', () => keys.every((k) => ofType('slot.opened', k).length > 0), 30_000);
    await sleep(1500);
    const ids = receiver.received().filter((w) => keys.includes(payload(w).data.slot.key)).map((w) => w.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const key of keys) expect(ofType('slot.opened', key)).toHaveLength(1);
  });
});
