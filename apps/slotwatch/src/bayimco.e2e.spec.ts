import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '@slotwatch/channel-email/testing';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '@slotwatch/channel-webhook/testing';
import type { Config } from '@slotwatch/config';
import { FAKE_BAYIMCO_ACCOUNT, startFakeBayimco, type FakeBayimco } from '@slotwatch/provider-bayimco/testing';
import type { Running } from '@slotwatch/runtime';
import { createTestInfra, testConfig, waitFor, type TestInfra } from '@slotwatch/testing';
import { startSlotwatch } from './run.command';

/**
 * The c19ac journey: a private BayIMCO watch logs in with the citizen's account, finds the next
 * appointment (which BayIMCO now holds for ten minutes) and tells only its owner — never the
 * public page, feeds, or another integrator.
 */
let infra: TestInfra;
let config: Config;
let fake: FakeBayimco;
let mine: WebhookReceiver;
let theirs: WebhookReceiver;
let slotwatch: Running;
let sink: SmtpSink;
const citizenId = FAKE_BAYIMCO_ACCOUNT.citizens[0]!.id;

const call = async (method: string, path: string, key: string, body?: unknown) => {
  const res = await fetch(`${slotwatch.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
};

beforeAll(async () => {
  infra = await createTestInfra('bayimco_e2e');
  sink = await startSmtpSink();
  config = testConfig(infra, { minIntervalOverride: 2, publicUrl: 'https://slotwatch.test', smtpUrl: sink.url, mailFrom: 'slotwatch <alerts@slotwatch.test>', emailDigestWindowS: 1 });
  fake = await startFakeBayimco();
  mine = await startWebhookReceiver({ secret: 'whsec_' + Buffer.alloc(32, 2).toString('base64') });
  theirs = await startWebhookReceiver({ secret: 'whsec_' + Buffer.alloc(32, 3).toString('base64') });
  slotwatch = await startSlotwatch(config, { log: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await slotwatch?.stop();
  await mine?.close();
  await theirs?.close();
  await fake?.close();
  await sink?.close();
  await infra?.cleanup();
});

describe('BayIMCO: the next appointment for one citizen', () => {
  it('tells the owner which vaccine, where, and until when it is held — and no one else', { timeout: 60_000 }, async () => {
    const admin = config.adminKey!;
    const watch = await call('POST', '/v1/watches', admin, {
      provider: 'bayimco', name: 'Anna — first dose', intervalSeconds: 2,
      target: { baseUrl: fake.url, authUrl: fake.authUrl, citizenId },
    });
    expect(watch.status, watch.text).toBe(201);
    const { id, visibility } = watch.json() as { id: string; visibility: string };
    expect(visibility).toBe('private');
    expect((await call('PUT', `/v1/watches/${id}/credentials`, admin, { username: FAKE_BAYIMCO_ACCOUNT.username, password: FAKE_BAYIMCO_ACCOUNT.password })).status).toBeLessThan(300);

    const own = await call('POST', '/v1/webhooks', admin, { url: `${mine.url}/hook` });
    mine.setSecret((own.json() as { secret: string }).secret);
    const partner = (await call('POST', '/v1/api-keys', admin, { role: 'integrator', name: 'partner' })).json() as { key: string };
    const other = await call('POST', '/v1/webhooks', partner.key, { url: `${theirs.url}/hook` });
    theirs.setSecret((other.json() as { secret: string }).secret);

    // The citizen's own address, subscribed by the owner's key to this private watch, confirmed.
    const anyone = await fetch(`${slotwatch.url}/v1/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'stranger@example.org', watchIds: [id] }) });
    expect(anyone.status).toBe(400);
    expect((await call('POST', '/v1/subscriptions', admin, { email: 'anna@example.org', watchIds: [id] })).status).toBe(202);
    const invite = await sink.waitFor((m) => m.to.includes('anna@example.org'));
    const link = /https:\/\/slotwatch\.test(\/v1\/subscriptions\/confirm\?token=[A-Za-z0-9_%-]+)/.exec(invite.text)![1]!;
    expect((await fetch(`${slotwatch.url}${link}`)).status).toBe(200);

    await waitFor('a first successful check', async () => ((await call('GET', `/v1/watches/${id}`, admin)).json().health as { state: string }).state === 'none', 20_000);
    fake.control.offerAppointment({});

    type Body = { type: string; data: { slot: { attributes: Record<string, unknown> } } };
    const hook = await mine.waitFor((w: ReceivedWebhook) => (JSON.parse(w.rawBody) as Body).type === 'slot.opened', 20_000);
    expect(hook.verified).toBe(true);
    const attributes = (JSON.parse(hook.rawBody) as Body).data.slot.attributes;
    expect(attributes).toMatchObject({ heldForCitizen: true });
    expect(typeof attributes.vaccineName).toBe('string');
    expect(typeof attributes.siteName).toBe('string');
    expect(Date.parse(String(attributes.expiresAt))).toBeGreaterThan(Date.now());
    // The citizen's id and login appear in nothing that leaves slotwatch.
    expect(hook.rawBody).not.toContain(citizenId);
    expect(hook.rawBody.toLowerCase()).not.toContain(citizenId.toLowerCase());
    expect(hook.rawBody).not.toContain(FAKE_BAYIMCO_ACCOUNT.username);

    // The owner's mail says it is held, and until when.
    const mail = await sink.waitFor((m) => m.to.includes('anna@example.org') && !m.subject.includes('onfirm'), 20_000);
    expect(mail.text).toContain(`Held for you until ${String(attributes.expiresAt).slice(11, 16)}`);
    expect(mail.text).toContain(String(attributes.vaccineName));
    expect(mail.text).not.toContain(citizenId);

    // Private: not for another integrator, the public page, or the feeds.
    await new Promise((r) => setTimeout(r, 1500));
    expect(theirs.received()).toHaveLength(0);
    const page = await (await fetch(`${slotwatch.url}/`)).text();
    expect(page).not.toContain('Anna');
    expect((await fetch(`${slotwatch.url}/feeds/watches/${id}.atom`)).status).toBe(404);
    const listed = await call('GET', `/v1/watches/${id}`, admin);
    expect(listed.text).not.toContain(FAKE_BAYIMCO_ACCOUNT.password);
    expect(listed.text).not.toContain(citizenId);
    expect(listed.json().target).toMatchObject({ citizenId: `…${citizenId.slice(-4)}` });
  });
});
