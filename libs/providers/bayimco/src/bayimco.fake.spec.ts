import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '@slotwatch/http';
import { FAKE_BAYIMCO_ACCOUNT, FAKE_BAYIMCO_OTHER_ACCOUNT } from './bayimco.fake-data';
import { startFakeBayimco, type FakeBayimco } from './bayimco.fake';
import { cookieHeader } from './bayimco.keycloak';

const http = createHttpClient({ userAgent: 'slotwatch-test', timeoutMs: 5000 });
const CITIZEN = FAKE_BAYIMCO_ACCOUNT.citizens[0]!.id;

let fake: FakeBayimco;
beforeEach(async () => {
  fake = await startFakeBayimco({ now: '2021-04-06T10:00:00+02:00' });
});
afterEach(async () => {
  await fake.close();
});

const form = (body: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: 'POST' as const,
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(body).toString(),
});
const token = (body: Record<string, string>) => http.request({ url: `${fake.authUrl}/protocol/openid-connect/token`, ...form({ client_id: 'c19v-frontend', ...body }) });
const control = async (path: string, body?: unknown) => {
  const res = await http.request({ method: body === undefined ? 'GET' : 'POST', url: `${fake.controlUrl}${path}`, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: JSON.parse(res.text) as Record<string, unknown> };
};
const next = (accessToken: string, citizen = CITIZEN) =>
  http.request({ url: `${fake.url}/citizens/${citizen}/appointments/next?timeOfDay=ALL_DAY&lastDate=2021-04-06&lastTime=00%3A00`, headers: { authorization: `Bearer ${accessToken}` } });

describe('fake BayIMCO', () => {
  it('walks the Keycloak login: form, 302 with the code in the fragment, code exchange', async () => {
    const auth = new URL(`${fake.authUrl}/protocol/openid-connect/auth`);
    const redirect = fake.url.replace('/api/v1', '/citizen/');
    for (const [k, v] of Object.entries({ client_id: 'c19v-frontend', redirect_uri: redirect, response_mode: 'fragment', response_type: 'code', scope: 'openid', state: 's1' })) auth.searchParams.set(k, v);
    const page = await http.request({ url: auth.toString() });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Anmeldung bei C19V-Citizen</title>');
    const action = /id="kc-form-login"[^>]*action="([^"]+)"/.exec(page.text)![1]!.replace(/&amp;/g, '&');
    const cookie = cookieHeader(page.headers['set-cookie']);
    expect(cookie).toMatch(/^AUTH_SESSION_ID=[^;]+; KC_RESTART=/);

    const wrong = await http.request({ url: action, ...form({ username: FAKE_BAYIMCO_ACCOUNT.username, password: 'nope', credentialId: '' }, { cookie }) });
    expect(wrong.status).toBe(200);
    expect(wrong.text).toContain('<span class="kc-feedback-text">Ungültiger Benutzername oder Passwort.</span>');

    const again = /id="kc-form-login"[^>]*action="([^"]+)"/.exec(wrong.text)![1]!.replace(/&amp;/g, '&');
    const ok = await http.request({ url: again, ...form({ username: FAKE_BAYIMCO_ACCOUNT.username, password: FAKE_BAYIMCO_ACCOUNT.password, credentialId: '' }, { cookie }) });
    expect(ok.status).toBe(302);
    const [base, fragment] = ok.headers.location!.split('#');
    expect(base).toBe(redirect);
    const params = new URLSearchParams(fragment);
    expect(params.get('state')).toBe('s1');
    const exchanged = await token({ grant_type: 'authorization_code', code: params.get('code')!, redirect_uri: redirect });
    expect(JSON.parse(exchanged.text)).toMatchObject({ expires_in: 300, refresh_expires_in: 1800, token_type: 'Bearer' });
    // A code works once.
    expect((await token({ grant_type: 'authorization_code', code: params.get('code')!, redirect_uri: redirect })).status).toBe(400);
  });

  it('refuses the credential POST without the login cookies', async () => {
    const res = await http.request({ url: `${fake.authUrl}/login-actions/authenticate?session_code=x&tab_id=y`, ...form({ username: 'a', password: 'b' }) });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Cookie not found');
  });

  it('rotates refresh tokens and refuses a used one with invalid_grant', async () => {
    const first = fake.control.issueTokens();
    const rotated = JSON.parse((await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token })).text) as { refresh_token: string };
    expect(rotated.refresh_token).not.toBe(first.refresh_token);
    const reused = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(reused.status).toBe(400);
    expect(JSON.parse(reused.text)).toEqual({ error: 'invalid_grant', error_description: 'Maximum allowed refresh token reuse exceeded' });
    fake.control.advance(1801 * 1000);
    expect(JSON.parse((await token({ grant_type: 'refresh_token', refresh_token: rotated.refresh_token })).text)).toMatchObject({ error_description: 'Token is not active' });
  });

  it('answers 401 on expired access tokens and 403 for another account\'s citizen', async () => {
    const { access_token } = fake.control.issueTokens();
    expect((await next(access_token)).status).toBe(404);
    expect((await next(access_token, FAKE_BAYIMCO_OTHER_ACCOUNT.citizens[0]!.id)).status).toBe(403);
    fake.control.advance(301 * 1000);
    const expired = await next(access_token);
    expect(expired.status).toBe(401);
    expect(JSON.parse(expired.text)).toMatchObject({ status: 401, error: 'Unauthorized' });
  });

  it('holds an offered appointment for the caller for 10 minutes and hides it from others', async () => {
    const mine = fake.control.issueTokens().access_token;
    fake.control.offerAppointment({ date: '2021-04-12', time: '09:10' });
    const first = JSON.parse((await next(mine)).text) as Record<string, unknown>;
    expect(first).toMatchObject({ firstVaccinationDate: '2021-04-12', firstVaccinationTime: '09:10', vaccineId: '002' });
    expect(first.expiresAt).toMatch(/^2021-04-06T10:10:0\d\+02:00$/);
    expect(JSON.parse((await next(mine)).text)).toEqual(first);
    const sibling = FAKE_BAYIMCO_ACCOUNT.citizens[1]!.id;
    expect((await next(mine, sibling)).status).toBe(404);
    fake.control.advance(11 * 60_000);
    expect((await next(fake.control.issueTokens().access_token, sibling)).status).toBe(200);
  });

  it('answers 404 past 30 calls in 15 minutes, even with an appointment free', async () => {
    const { access_token } = fake.control.issueTokens();
    for (let i = 0; i < 30; i += 1) expect((await next(access_token)).status).toBe(404);
    fake.control.offerAppointment();
    expect((await next(access_token)).status).toBe(404);
    expect(fake.control.counts()).toMatchObject({ next: 31, nextRateLimited: 1, nextFound: 0 });
    fake.control.advance(15 * 60_000);
    expect((await next(fake.control.issueTokens().access_token)).status).toBe(200);
  });

  it('is driven over HTTP through /_control', async () => {
    // The clock runs on from there, so a millisecond may have passed.
    expect((await control('/now', { now: '2021-04-07T08:00:00+02:00' })).body.now).toMatch(/^2021-04-07T06:00:00\.\d{3}Z$/);
    const offered = await control('/appointments/offer', { date: '2021-04-20', vaccineId: '001' });
    expect(offered.body).toMatchObject({ date: '2021-04-20', vaccineId: '001' });
    expect((await control('/mode', { mode: 'slow500', slowMs: 10 })).body).toEqual({ mode: 'slow500', slowMs: 10 });
    const issued = await control('/tokens/issue', {});
    expect((await next(issued.body.access_token as string)).status).toBe(500);
    await control('/mode', { mode: 'normal' });
    await control('/tokens/expire', { kind: 'access' });
    expect((await next(issued.body.access_token as string)).status).toBe(401);
    expect((await control('/password', { password: 'neu' })).status).toBe(200);
    expect((await control('/mode', { mode: 'sideways' })).status).toBe(400);
    const state = await control('/state');
    expect(state.body).toMatchObject({ mode: 'normal', rateLimit: { calls: 30, perSeconds: 900 } });
    expect((await control('/counts')).body).toMatchObject({ next: 2, nextFailed: 1, unauthorized: 1 });
    await control('/appointments/clear', {});
    expect((await control('/appointments')).body).toEqual([]);
  });

  it('lists vaccines, districts, sites and the account\'s citizens', async () => {
    const auth = { authorization: `Bearer ${fake.control.issueTokens().access_token}` };
    const vaccines = JSON.parse((await http.request({ url: `${fake.url}/vaccines/`, headers: auth })).text) as { id: string }[];
    expect(vaccines.map((v) => v.id)).toContain('011');
    const districts = JSON.parse((await http.request({ url: `${fake.url}/districts/`, headers: auth })).text) as { centers: { id: string }[] }[];
    const sites = JSON.parse((await http.request({ url: `${fake.url}/centers/${districts[0]!.centers[0]!.id}/sites`, headers: auth })).text) as unknown[];
    expect(sites).toHaveLength(2);
    const citizens = JSON.parse((await http.request({ url: `${fake.url}/users/current/citizens`, headers: auth })).text) as { id: string }[];
    expect(citizens.map((c) => c.id)).toEqual(FAKE_BAYIMCO_ACCOUNT.citizens.map((c) => c.id));
  });
});
