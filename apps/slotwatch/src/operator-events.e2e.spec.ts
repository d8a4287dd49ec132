import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '@slotwatch/channel-webhook/testing';
import type { Config } from '@slotwatch/config';
import { startFakeTroov, type FakeTroov } from '@slotwatch/provider-troov/testing';
import type { Running } from '@slotwatch/runtime';
import { createTestInfra, sleep, testConfig, waitFor, type TestInfra } from '@slotwatch/testing';
import { montrealPassport } from './e2e.fixtures';
import { startSlotwatch } from './run.command';

/**
 * When TROOV starts asking for a captcha, slotwatch never solves it: the watch says `blocked`,
 * operators get one `watch.blocked` webhook (to endpoints that take watch events), the status page
 * says so, and operators hear again when the watch works again.
 */
let infra: TestInfra;
let config: Config;
let fake: FakeTroov;
let ops: WebhookReceiver;
let slots: WebhookReceiver;
let slotwatch: Running;

const type = (w: ReceivedWebhook) => (JSON.parse(w.rawBody) as { type: string }).type;

beforeAll(async () => {
  infra = await createTestInfra('operator_events');
  config = testConfig(infra, { minIntervalOverride: 1 });
  fake = await startFakeTroov();
  ops = await startWebhookReceiver({ secret: 'whsec_' + Buffer.alloc(32, 4).toString('base64') });
  slots = await startWebhookReceiver({ secret: 'whsec_' + Buffer.alloc(32, 5).toString('base64') });
  slotwatch = await startSlotwatch(config, { log: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await slotwatch?.stop();
  await ops?.close();
  await slots?.close();
  await fake?.close();
  await infra?.cleanup();
});

describe('a TROOV session that needs a captcha', () => {
  it('blocks the watch, tells operators once, shows it on the status page, and tells them when it works again', { timeout: 60_000 }, async () => {
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${slotwatch.url}${path}`, { method, headers: { authorization: `Bearer ${config.adminKey}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
      return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
    };
    const watch = await call('POST', '/v1/watches', {
      provider: 'troov', name: 'Montréal passport', intervalSeconds: 1,
      target: montrealPassport(fake),
    });
    const watchId = watch.json.id as string;
    const opsHook = await call('POST', '/v1/webhooks', { url: `${ops.url}/ops`, filter: { types: ['watch.blocked', 'watch.recovered'] } });
    ops.setSecret(opsHook.json.secret as string);
    const slotHook = await call('POST', '/v1/webhooks', { url: `${slots.url}/slots`, filter: { types: ['slot.opened', 'slot.closed'] } });
    slots.setSecret(slotHook.json.secret as string);
    await waitFor('a first check', async () => ((await call('GET', `/v1/watches/${watchId}`)).json.health as { state: string }).state === 'none', 20_000);

    fake.control.setCaptcha(true);
    fake.control.expireSessions();
    const blocked = await ops.waitFor((w) => type(w) === 'watch.blocked', 20_000);
    expect(blocked.verified).toBe(true);
    expect(JSON.parse(blocked.rawBody)).toMatchObject({ type: 'watch.blocked', data: { watch: { id: watchId }, lastStatus: 'blocked', lastReason: 'captcha_required' } });
    const health = (await call('GET', `/v1/watches/${watchId}`)).json.health as { state: string; lastStatus: string; reason: string };
    expect(health).toMatchObject({ state: 'unknown', lastStatus: 'blocked', reason: 'captcha_required' });
    const page = await (await fetch(`${slotwatch.url}/?lang=en`)).text();
    expect(page).toMatch(/captcha|blocked/i);
    await sleep(2500); // more blocked checks: still one operator event, and nothing for the slot-only endpoint
    expect(ops.received().filter((w) => type(w) === 'watch.blocked')).toHaveLength(1);
    expect(slots.received()).toHaveLength(0);

    // The upstream stops asking (or an operator hands over a session solved in a browser):
    // the next successful check tells operators the watch works again.
    fake.control.setCaptcha(false);
    const recovered = await ops.waitFor((w) => type(w) === 'watch.recovered', 20_000);
    expect(JSON.parse(recovered.rawBody)).toMatchObject({ type: 'watch.recovered', data: { watch: { id: watchId }, state: 'none' } });
  });
});
