import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '@slotwatch/channel-email/testing';
import { randomToken, startFakeX, type FakeX } from '@slotwatch/channel-twitter/testing';
import type { Config } from '@slotwatch/config';
import { startFakeTroov, type FakeTroov } from '@slotwatch/provider-troov/testing';
import type { Running } from '@slotwatch/runtime';
import { createTestInfra, sleep, testConfig, waitFor, type TestInfra } from '@slotwatch/testing';
import { montrealPassport, slotPool } from './e2e.fixtures';
import { startSlotwatch } from './run.command';

/**
 * Email and X end to end, through public interfaces only: the API (subscribe, confirm, one-click
 * unsubscribe, X accounts), the fake TROOV server's control API, an SMTP sink that parses every
 * mail, and a fake X API that checks OAuth 1.0a signatures.
 */
let infra: TestInfra;
let config: Config;
let fake: FakeTroov;
let sink: SmtpSink;
let x: FakeX;
let main: Running;
let api: string;
let watchId: string;
const xApp = { appKey: 'e2e-app', appSecret: randomToken() };
const xUser = { accessToken: `9-${randomToken()}`, accessSecret: randomToken() };
const WINDOW_S = 4;
const silent = pino({ level: 'silent' });

async function http<T>(method: string, path: string, body?: unknown, auth = true): Promise<{ status: number; body: T }> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { ...(auth && { authorization: `Bearer ${config.adminKey}` }), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text.startsWith('{') ? JSON.parse(text) : text) as T };
}

/** The API path of a link in a mail (the mail carries SLOTWATCH_PUBLIC_URL). */
const pathOf = (link: string) => link.replace('https://slotwatch.test', '');
const linkIn = (mail: ReceivedMail, path: string) => new RegExp(`https://slotwatch\\.test${path.replace(/[/?]/g, '\\$&')}\\?token=[A-Za-z0-9_%-]+`).exec(mail.text)?.[0];
const alerts = (address: string) => sink.to(address).filter((m) => !m.subject.includes('onfirm'));

let someFreeSlots: (n: number) => { day: string; time: string }[];

beforeAll(async () => {
  infra = await createTestInfra('e2e_notify');
  fake = await startFakeTroov();
  someFreeSlots = slotPool(fake);
  sink = await startSmtpSink();
  x = await startFakeX(xApp);
  x.addUser(xUser.accessToken, xUser.accessSecret);
  config = testConfig(infra, {
    minIntervalOverride: 1,
    publicUrl: 'https://slotwatch.test',
    smtpUrl: sink.url,
    mailFrom: 'slotwatch <alerts@slotwatch.test>',
    emailDigestWindowS: WINDOW_S,
    twitterAppKey: xApp.appKey,
    twitterAppSecret: xApp.appSecret,
    twitterApiUrl: x.apiUrl,
    twitterCoalesceS: WINDOW_S,
  });
  main = await startSlotwatch(config, { log: silent });
  api = main.url!;
  const watch = await http<{ id: string }>('POST', '/v1/watches', {
    provider: 'troov',
    name: 'Montréal passport',
    intervalSeconds: 1,
    target: montrealPassport(fake),
  });
  expect(watch.status).toBe(201);
  watchId = watch.body.id;
  await waitFor('the first check', async () => (await http<{ health: { state: string } }>('GET', `/v1/watches/${watchId}`)).body.health.state === 'none', 20_000);
}, 60_000);

afterAll(async () => {
  await main?.stop();
  await sink?.close();
  await x?.close();
  await fake?.close();
  await infra?.cleanup();
});

describe('email and X alerts end to end', () => {
  it('registers an X account with write-only tokens', async () => {
    const id = '7f5c8e9a-1b2c-4d3e-8f4a-5b6c7d8e9f00';
    const put = await http<{ id: string; hasTokens: boolean }>('PUT', `/v1/twitter-accounts/${id}`, { name: '@slots_mtl', watchIds: [watchId], ...xUser });
    expect(put.status).toBe(201);
    const list = await http<{ items: unknown[] }>('GET', '/v1/twitter-accounts');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(xUser.accessSecret);
    expect(JSON.stringify(list.body)).not.toContain(xUser.accessToken);
    expect((await http('GET', '/v1/twitter-accounts', undefined, false)).status).toBe(401);
  });

  it('sends an unconfirmed address nothing but the confirmation, and a confirmed one a single mail for 20 slots, with a single post', { timeout: 60_000 }, async () => {
    for (const email of ['ana@example.org', 'bob@example.org']) {
      const res = await http<{ status: string }>('POST', '/v1/subscriptions', { email, watchIds: [watchId], language: 'en' }, false);
      expect(res.status).toBe(202);
    }
    const invite = await sink.waitFor((m) => m.to.includes('ana@example.org'));
    await sink.waitFor((m) => m.to.includes('bob@example.org'));
    expect(invite.subject).toBe('Confirm your slotwatch alerts');
    const link = linkIn(invite, '/v1/subscriptions/confirm')!;
    const confirmed = await http<string>('GET', pathOf(link), undefined, false);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toContain('Your alerts are on');
    expect((await http('GET', pathOf(link), undefined, false)).status).toBe(410); // single use

    const slots = someFreeSlots(20);
    for (const s of slots) fake.control.openSlot(s.day, s.time);
    const mail = await sink.waitFor((m) => m.to.includes('ana@example.org') && m.subject.includes('new slot'), 30_000);
    const post = await x.waitFor((t) => t.text.includes('Montréal passport'), 30_000);
    await sleep((WINDOW_S + 2) * 1000); // any second mail or post would be out by now
    expect(alerts('ana@example.org')).toHaveLength(1);
    expect(mail.subject).toBe('20 new slots: Montréal passport');
    expect(post.text).toContain('Montréal passport: 20 new slots');
    expect(post.text).toContain('Book: https://consulat.gouv.fr/');
    expect(x.tweets()).toHaveLength(1);
    expect(sink.to('bob@example.org')).toHaveLength(1); // the confirmation only
    expect(alerts('bob@example.org')).toHaveLength(0);
  });

  it('stops mail at once after a one-click unsubscribe (RFC 8058), while X goes on', { timeout: 60_000 }, async () => {
    const [mail] = alerts('ana@example.org');
    expect(mail!.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    const https = /<(https:[^>]+)>/.exec(mail!.headers['list-unsubscribe']!)![1]!;
    const page = await http<string>('GET', pathOf(https), undefined, false);
    expect(page.status).toBe(200);
    expect(page.body).toContain('method="post"');

    // What a mail client does: one POST, no cookie, no key.
    const res = await fetch(`${api}${pathOf(https)}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);

    const before = x.tweets().length;
    const slots = someFreeSlots(3);
    for (const s of slots) fake.control.openSlot(s.day, s.time);
    await waitFor('the next post', () => x.tweets().length > before, 30_000);
    await sleep((WINDOW_S + 2) * 1000);
    expect(alerts('ana@example.org')).toHaveLength(1);
  });
});
