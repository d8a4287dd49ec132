import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '@slotwatch/channel-webhook/testing';
import type { Config } from '@slotwatch/config';
import { slotTimes, startFakeTroov, type FakeTroov } from '@slotwatch/provider-troov/testing';
import type { Running } from '@slotwatch/runtime';
import { createTestInfra, testConfig, waitFor, type TestInfra } from '@slotwatch/testing';
import { startSlotwatch } from './run.command';

/**
 * A watch added the way an operator would (`slotwatch watch add troov --team <slug> --service
 * "<name>"`) against the fake consulate; a day released at the consulate's release time (18:00
 * Montréal) shows up as slot.opened webhooks, and a booking as slot.closed.
 */
const run = promisify(execFile);
let infra: TestInfra;
let config: Config;
let fake: FakeTroov;
let receiver: WebhookReceiver;
let slotwatch: Running;

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  infra = await createTestInfra('troov_release');
  // The fake's clock runs ahead of ours here, so the window must not be reused across its release.
  config = testConfig(infra, { minIntervalOverride: 1, troovWindowCacheSeconds: 0 });
  fake = await startFakeTroov();
  receiver = await startWebhookReceiver({ secret: 'whsec_' + Buffer.alloc(32, 1).toString('base64') });
  slotwatch = await startSlotwatch(config, { services: 'scheduler,scraper,differ,notifier,api', log: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await slotwatch?.stop();
  await receiver?.close();
  await fake?.close();
  await infra?.cleanup();
});

describe('TROOV: a release at the consulate release time', () => {
  it('announces the newly released day and its booking', { timeout: 90_000 }, async () => {
    const zone = fake.control.teams()[0]!.reservations_shop_availabilty.find((z) => z.name === 'Demande de passeport/CNI')!;
    // A fake "today" whose newest bookable day (today + horizon) is a working day, seconds before 18:00.
    let today = addDays(new Date().toISOString().slice(0, 10), 1);
    while (slotTimes(zone, addDays(today, zone.dynamic_calendar.end.value)).length === 0) today = addDays(today, 1);
    const released = addDays(today, zone.dynamic_calendar.end.value);
    const time = slotTimes(zone, released)[0]!;
    const env = { ...process.env, DATABASE_URL: infra.databaseUrl, SLOTWATCH_SECRET_KEY: config.secretKey!.toString('base64'), SLOTWATCH_MIN_INTERVAL_S: '1', LOG_LEVEL: 'warn' };
    const cli = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'apps/slotwatch/src/main.ts', ...args], { env });
    const added = await cli(['watch', 'add', 'troov', '--team', 'consulat-general-de-france-a-montreal', '--service', 'Demande de passeport/CNI', '--base-url', fake.url, '--interval', '1']);
    const watch = JSON.parse(added.stdout) as { id: string; name: string; target: { teamId: string; serviceId: string } };
    expect(watch.target).toMatchObject({ teamId: '61f924e90b0582a933ff3e7c', serviceId: '623e3c5319ec2e40dcf76397' });

    const unknown = await cli(['watch', 'add', 'troov', '--team', 'consulat-general-de-france-a-montreal', '--service', 'Passeport', '--base-url', fake.url]).catch((e: { stderr: string; code: number }) => e);
    expect('code' in unknown && unknown.code).toBe(1);
    expect((unknown as { stderr: string }).stderr).toContain('service: no service named "Passeport"');

    const hook = await fetch(`${slotwatch.url}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${config.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${receiver.url}/hook`, filter: { watchIds: [watch.id] } }),
    });
    receiver.setSecret(((await hook.json()) as { secret: string }).secret);

    // The clock a minute before the release: the newest day is not bookable yet.
    const offset = new Intl.DateTimeFormat('en', { timeZone: 'America/Montreal', timeZoneName: 'longOffset' }).format(new Date(`${today}T12:00:00Z`)).split('GMT')[1] || '+00:00';
    fake.control.setNow(`${today}T17:59:00${offset}`);
    fake.control.openSlot(released, time);
    const before = Date.now();
    await waitFor('a check before the release', async () => {
      const w = (await (await fetch(`${slotwatch.url}/v1/watches/${watch.id}`, { headers: { authorization: `Bearer ${config.adminKey}` } })).json()) as { health: { lastSuccessAt: string | null; openSlots: number } };
      return w.health.lastSuccessAt !== null && Date.parse(w.health.lastSuccessAt) > before && w.health.openSlots === 0;
    }, 30_000);
    expect(receiver.received()).toHaveLength(0);
    // 18:00 in Montréal: the consulate releases the day.
    fake.control.setNow(`${today}T18:00:05${offset}`);

    const key = `${released}T${time}`;
    const body = (w: ReceivedWebhook) => JSON.parse(w.rawBody) as { type: string; data: { slot: { key: string } } };
    const opened = await receiver.waitFor((w) => body(w).type === 'slot.opened' && body(w).data.slot.key === key, 30_000).catch(async (error: unknown) => {
      const health = await fetch(`${slotwatch.url}/v1/watches/${watch.id}`, { headers: { authorization: `Bearer ${config.adminKey}` } }).then((r) => r.text());
      throw new Error(`${String(error)}; watch: ${health}; fake now ${fake.control.now().toISOString()}; free ${JSON.stringify(fake.control.freeSlots())}`);
    });
    expect(opened.verified).toBe(true);

    fake.control.closeSlot(released, time);
    await receiver.waitFor((w) => body(w).type === 'slot.closed' && body(w).data.slot.key === key, 30_000);
    await waitFor('no duplicate', () => receiver.received().filter((w) => body(w).data.slot.key === key).length === 2);
  });
});
