import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '@slotwatch/config';
import { startFakeTroov, type FakeTroov } from '@slotwatch/provider-troov/testing';
import type { Running } from '@slotwatch/runtime';
import { createTestInfra, testConfig, waitFor, type TestInfra } from '@slotwatch/testing';
import { type AdminClient, adminClient, MONTREAL_SERVICE_ID, montrealPassport } from './e2e.fixtures';
import { startSlotwatch } from './run.command';

/**
 * The public status page in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core) against the one-process runner and the fake TROOV server: a slot released by
 * the fake appears on the open page without a reload (Server-Sent Events), and a visitor
 * subscribes an email address through the page's form.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const OUTPUT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test-output');

let infra: TestInfra;
let config: Config;
let fake: FakeTroov;
let main: Running;
let api: string;
let watchId: string;
let profile: string;
let browser: BrowserContext;
let page: Page;

const silent = pino({ level: 'silent' });

let http: AdminClient['call'];

beforeAll(async () => {
  infra = await createTestInfra('browser');
  config = testConfig(infra, { minIntervalOverride: 1 });
  fake = await startFakeTroov();
  main = await startSlotwatch(config, { log: silent });
  api = main.url!;
  http = adminClient(api, config.adminKey!).call;
  const watch = await http<{ id: string }>('POST', '/v1/watches', {
    provider: 'troov', name: 'Montréal passport', intervalSeconds: 1,
    target: montrealPassport(fake),
  });
  expect(watch.status).toBe(201);
  watchId = watch.body.id;
  await waitFor('the first check', async () => (await http<{ health: { state: string } }>('GET', `/v1/watches/${watchId}`)).body.health.state === 'none', 20_000);

  profile = mkdtempSync(join(tmpdir(), 'slotwatch-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS,
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-GB',
  });
  page = browser.pages()[0] ?? (await browser.newPage());
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await main?.stop();
  await fake?.close();
  await infra?.cleanup();
});

describe('the status page in a browser', () => {
  it('shows a released slot without a reload, takes an email subscription, and is saved as a screenshot', { timeout: 60_000 }, async () => {
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    await page.goto(`${api}/?lang=en`);
    const card = page.locator(`#watch-${watchId}`);
    await card.waitFor();
    expect(await card.getAttribute('data-state')).toBe('none');
    await page.locator('#live[data-state="open"]').waitFor({ timeout: 10_000 });

    const slot = fake.control.bookableSlots(MONTREAL_SERVICE_ID)[0]!;
    fake.control.openSlot(slot.day, slot.time);
    const key = `${slot.day}T${slot.time}`;
    const item = card.locator(`li[data-key="${key}"]`);
    await item.waitFor({ timeout: 20_000 });
    expect(await card.getAttribute('data-state')).toBe('available');
    expect(await card.locator('.badge').textContent()).toBe('Slots open');
    expect(await item.locator('time').textContent()).toMatch(new RegExp(`, ${slot.time}$`));
    expect(navigations).toBe(1); // the first load only

    await page.locator('input[name="email"]').fill('visitor@example.org');
    await page.locator('select[name="watchId"]').selectOption(watchId);
    await page.locator('#subscribe button[type="submit"]').click();
    await page.locator('#subscribe-result.ok').waitFor({ timeout: 10_000 });
    expect(await page.locator('#subscribe-result').textContent()).toContain('Check your inbox');
    expect(navigations).toBe(1);

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'status-page.png'), fullPage: true });
  });
});
