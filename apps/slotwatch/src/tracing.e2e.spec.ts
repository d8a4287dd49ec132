import { spanAttr } from '@slotwatch/contracts';
import { SpanKind } from '@opentelemetry/api';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '@slotwatch/channel-webhook/testing';
import type { Config } from '@slotwatch/config';
import { startFakeTroov, type FakeTroov } from '@slotwatch/provider-troov/testing';
import type { Running } from '@slotwatch/runtime';
import { captureSpans, type CapturedSpans, type ReadableSpan } from '@slotwatch/telemetry/testing';
import { createTestInfra, testConfig, waitFor, type TestInfra } from '@slotwatch/testing';
import { type AdminClient, adminClient, MONTREAL_SERVICE_ID, montrealPassport } from './e2e.fixtures';
import { startSlotwatch } from './run.command';

/**
 * One check, one trace: the fake TROOV shows a slot, and every span from the scheduler's tick to
 * the webhook POST shares the trace id the scheduler's `check <watchId>` root span started, each
 * span the child of the one before (docs/observability.md draws the tree).
 */
let infra: TestInfra;
let config: Config;
let fake: FakeTroov;
let receiver: WebhookReceiver;
let main: Running;
let capture: CapturedSpans;
let api: string;
let watchId: string;

const silent = pino({ level: 'silent' });

let post: AdminClient['post'];

beforeAll(async () => {
  capture = captureSpans();
  infra = await createTestInfra('tracing');
  config = testConfig(infra, { minIntervalOverride: 1 });
  fake = await startFakeTroov();
  receiver = await startWebhookReceiver({ secret: 'whsec_' + Buffer.alloc(32).toString('base64') });
  main = await startSlotwatch(config, { log: silent });
  api = main.url!;
  post = adminClient(api, config.adminKey!).post;
  watchId = (await post<{ id: string }>('/v1/watches', {
    provider: 'troov',
    name: 'Montréal passport',
    intervalSeconds: 1,
    target: montrealPassport(fake),
  })).id;
  receiver.setSecret((await post<{ secret: string }>('/v1/webhooks', { url: `${receiver.url}/slots` })).secret);
}, 60_000);

afterAll(async () => {
  await main?.stop();
  await capture?.stop();
  await receiver?.close();
  await fake?.close();
  await infra?.cleanup();
});

const attr = (s: ReadableSpan, key: string) => s.attributes[key];
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
const idOf = (s: ReadableSpan) => s.spanContext().spanId;

describe('one check is one trace', () => {
  it('joins scheduler, scraper, upstream HTTP, differ, notifier and the delivery under the check root span', async () => {
    const [slot] = fake.control.bookableSlots(MONTREAL_SERVICE_ID);
    fake.control.openSlot(slot!.day, slot!.time);
    const key = `${slot!.day}T${slot!.time}`;
    const hook: ReceivedWebhook = await receiver.waitFor((w) => {
      const body = JSON.parse(w.rawBody) as { type: string; data: { slot: { key: string } } };
      return body.type === 'slot.opened' && body.data.slot.key === key;
    }, 20_000);
    const eventId = (JSON.parse(hook.rawBody) as { data: { eventId: string } }).data.eventId;

    // The delivery span ends once the receiver has answered.
    const deliver = await waitFor('the delivery span', () => capture.spans().find((s) => s.name === 'deliver webhook' && attr(s, spanAttr.eventId) === eventId));
    const traceId = deliver.spanContext().traceId;
    const trace = capture.spans().filter((s) => s.spanContext().traceId === traceId);
    const one = (what: string, match: (s: ReadableSpan) => boolean): ReadableSpan => {
      const found = trace.filter(match);
      expect(found, `${what} in ${trace.map((s) => s.name).join(', ')}`).toHaveLength(1);
      return found[0]!;
    };
    const consumer = (group: string) => (s: ReadableSpan) => s.kind === SpanKind.CONSUMER && attr(s, 'messaging.consumer.group.name') === group;
    const producer = (part: string) => (s: ReadableSpan) => s.kind === SpanKind.PRODUCER && String(attr(s, 'messaging.destination.name')).includes(part);

    // scheduler: the root
    const root = one('the check root span', (s) => s.name === `check ${watchId}`);
    expect(root.parentSpanContext).toBeUndefined();
    expect(attr(root, spanAttr.provider)).toBe('troov');
    const sendCheck = one('send check.requested', producer('check.requested'));
    expect(parentOf(sendCheck)).toBe(idOf(root));

    // scraper: consumes, calls the upstream, publishes what it saw
    const scrape = one('process check.requested (scraper)', consumer('scraper'));
    expect(parentOf(scrape)).toBe(idOf(sendCheck));
    expect(attr(scrape, 'messaging.system')).toBe('nats');
    const upstream = one('upstream troov', (s) => s.name === 'upstream troov');
    expect(parentOf(upstream)).toBe(idOf(scrape));
    expect(attr(upstream, spanAttr.checkStatus)).toBe('ok');
    const calls = trace.filter((s) => s.kind === SpanKind.CLIENT && attr(s, spanAttr.provider) === 'troov');
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(parentOf(call)).toBe(idOf(upstream));
      expect(attr(call, 'http.request.method')).toMatch(/^(GET|POST|HEAD)$/);
      expect(attr(call, 'server.address')).toBe('127.0.0.1');
      expect(typeof attr(call, 'http.response.status_code')).toBe('number');
      expect(String(attr(call, 'url.full'))).not.toContain('?'); // query strings carry session ids
    }
    const sendObserved = one('send slots.observed', producer('slots.observed'));
    expect(parentOf(sendObserved)).toBe(idOf(scrape));

    // differ: consumes, diffs in one transaction, the relay publishes from the outbox row
    const differ = one('process slots.observed (differ)', consumer('differ'));
    expect(parentOf(differ)).toBe(idOf(sendObserved));
    const diff = one('diff', (s) => s.name === 'diff');
    expect(parentOf(diff)).toBe(idOf(differ));
    expect(attr(diff, spanAttr.slotsOpened)).toBe(1);
    expect(attr(diff, spanAttr.slotsClosed)).toBe(0);
    const sendChanged = one('send slots.changed (relay)', producer('slots.changed'));
    expect(parentOf(sendChanged)).toBe(idOf(diff));

    // notifier: consumes, stores the delivery; the dispatcher's attempt continues from the row
    const notifier = one('process slots.changed (notifier)', consumer('notifier'));
    expect(parentOf(notifier)).toBe(idOf(sendChanged));
    expect(parentOf(deliver)).toBe(idOf(notifier));
    expect(attr(deliver, spanAttr.deliveryOutcome)).toBe('delivered');
    const post = one('the webhook POST', (s) => s.kind === SpanKind.CLIENT && attr(s, spanAttr.channel) === 'webhook');
    expect(parentOf(post)).toBe(idOf(deliver));
    expect(attr(post, 'http.response.status_code')).toBe(200);
    expect(attr(post, 'url.full')).toBe(new URL(receiver.url).origin); // the path may carry a token

    // One tree: a single root, and every other span's parent is in the trace.
    const ids = new Set(trace.map(idOf));
    expect(trace.filter((s) => !s.parentSpanContext)).toEqual([root]);
    for (const s of trace) if (s !== root) expect(ids.has(parentOf(s)!), `${s.name} has its parent in the trace`).toBe(true);
    // Nothing of ours rides to third parties: no traceparent on the webhook.
    expect(hook.headers.traceparent).toBeUndefined();
  });

  it('gives every published message a W3C traceparent', () => {
    const consumed = capture.spans().filter((s) => s.kind === SpanKind.CONSUMER);
    expect(consumed.length).toBeGreaterThan(0);
    for (const s of consumed) {
      expect(s.parentSpanContext?.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(s.parentSpanContext?.traceId).toBe(s.spanContext().traceId);
      expect(s.parentSpanContext?.isRemote).toBe(true);
    }
  });
});
