import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '@slotwatch/channel-webhook/testing';
import type { Config } from '@slotwatch/config';
import { notifierService } from '@slotwatch/notifier';
import { startFakeTroov, type FakeTroov } from '@slotwatch/provider-troov/testing';
import { runServices, type Running } from '@slotwatch/runtime';
import { createTestInfra, testConfig, waitFor, type TestInfra } from '@slotwatch/testing';
import { type AdminClient, adminClient, MONTREAL_SERVICE_ID, montrealPassport } from './e2e.fixtures';
import { startSlotwatch } from './run.command';

/**
 * After a run through the fakes (3 slots open, 1 closes), /metrics says what happened: the API
 * process (scheduler, scraper, differ, api) and a notifier process of its own each serve theirs.
 */
let infra: TestInfra;
let config: Config;
let fake: FakeTroov;
let receiver: WebhookReceiver;
let main: Running;
let notifier: Running;
let api: string;

const silent = pino({ level: 'silent' });

let post: AdminClient['post'];

interface Sample { name: string; labels: Record<string, string>; value: number }

/** The Prometheus text format, enough of it: `name{a="b",…} value` lines. */
async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const samples: Sample[] = [];
  for (const line of (await res.text()).split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The one sample with this name and these labels (undefined when absent). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(found.length, `${name} ${JSON.stringify(labels)}`).toBeLessThanOrEqual(1);
  return found[0]?.value;
}

const typeOf = (w: ReceivedWebhook) => (JSON.parse(w.rawBody) as { type: string }).type;

beforeAll(async () => {
  infra = await createTestInfra('metrics');
  config = testConfig(infra, { minIntervalOverride: 1 });
  fake = await startFakeTroov();
  receiver = await startWebhookReceiver({ secret: 'whsec_' + Buffer.alloc(32).toString('base64') });
  main = await startSlotwatch(config, { services: 'scheduler,scraper,differ,api', log: silent });
  notifier = await runServices([notifierService], config, { name: 'notifier', log: silent });
  api = main.url!;
  post = adminClient(api, config.adminKey!).post;
  await post('/v1/watches', {
    provider: 'troov',
    name: 'Montréal passport',
    intervalSeconds: 1,
    target: montrealPassport(fake),
  });
  receiver.setSecret((await post<{ secret: string }>('/v1/webhooks', { url: `${receiver.url}/slots` })).secret);
}, 60_000);

afterAll(async () => {
  await notifier?.stop();
  await main?.stop();
  await receiver?.close();
  await fake?.close();
  await infra?.cleanup();
});

describe('/metrics after an end-to-end run', () => {
  it('counts checks, slots and deliveries as they happened', { timeout: 60_000 }, async () => {
    await waitFor('a first ok check', async () => value(await scrape(api), 'slotwatch_checks_total', { provider: 'troov', status: 'ok' }), 20_000);
    const slots = fake.control.bookableSlots(MONTREAL_SERVICE_ID).slice(0, 3);
    for (const s of slots) fake.control.openSlot(s.day, s.time);
    await waitFor('3 slot.opened webhooks', () => receiver.received().filter((w) => typeOf(w) === 'slot.opened').length >= 3, 20_000);
    fake.control.closeSlot(slots[0]!.day, slots[0]!.time);
    await waitFor('1 slot.closed webhook', () => receiver.received().some((w) => typeOf(w) === 'slot.closed'), 20_000);

    // The counter moves once the receiver has answered, so wait for it to catch up.
    const received = receiver.received().filter((w) => w.status < 300).length;
    expect(received).toBe(4);
    const n = await waitFor('the delivered counter', async () => {
      const samples = await scrape(notifier.url!);
      return value(samples, 'slotwatch_deliveries_total', { channel: 'webhook', outcome: 'delivered' }) === received ? samples : undefined;
    });
    expect(value(n, 'slotwatch_delivery_latency_seconds_count', { channel: 'webhook' })).toBe(received);
    expect(value(n, 'slotwatch_deliveries_total', { channel: 'webhook', outcome: 'retry' }) ?? 0).toBe(0);
    expect(value(n, 'slotwatch_messages_total', { consumer: 'notifier', fate: 'ack' })).toBe(received);
    expect(value(n, 'slotwatch_consumer_pending', { consumer: 'notifier' })).toBeGreaterThanOrEqual(0);
    expect(value(n, 'slotwatch_consumer_ack_pending', { consumer: 'notifier' })).toBeGreaterThanOrEqual(0);
    expect(value(n, 'slotwatch_consumer_pending', { consumer: 'scraper' })).toBeUndefined(); // not this process's

    const m = await scrape(api);
    expect(value(m, 'slotwatch_checks_total', { provider: 'troov', status: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(value(m, 'slotwatch_checks_requested_total', { provider: 'troov' })).toBeGreaterThanOrEqual(1);
    expect(value(m, 'slotwatch_upstream_check_seconds_count', { provider: 'troov' })).toBeGreaterThanOrEqual(1);
    expect(value(m, 'slotwatch_slots_opened_total', { provider: 'troov' })).toBe(3);
    expect(value(m, 'slotwatch_slots_closed_total', { provider: 'troov' })).toBe(1);
    expect(value(m, 'slotwatch_watches', { provider: 'troov', state: 'available' })).toBe(1);
    expect(value(m, 'slotwatch_watches', { provider: 'troov', state: 'none' })).toBe(0);
    for (const consumer of ['scraper', 'differ']) {
      expect(value(m, 'slotwatch_consumer_pending', { consumer }), consumer).toBeGreaterThanOrEqual(0);
      expect(value(m, 'slotwatch_messages_total', { consumer, fate: 'ack' }), consumer).toBeGreaterThanOrEqual(1);
    }
    const budget = value(m, 'slotwatch_request_budget_remaining', { bucket: `troov:${new URL(fake.url).host}` });
    expect(budget).toBeGreaterThan(0);
    expect(budget).toBeLessThan(config.troovBudget.calls); // this minute's checks used some
    await waitFor('an empty outbox', async () => value(await scrape(api), 'slotwatch_outbox_backlog') === 0);
  });
});
