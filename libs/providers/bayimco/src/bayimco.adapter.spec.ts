import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createHttpClient } from '@slotwatch/http';
import { MemoryProviderState, TargetError, UnlimitedBudget, type CheckContext } from '@slotwatch/provider-core';
import { createBayimcoAdapter } from './bayimco.adapter';
import type { BayimcoTarget } from './bayimco.config';
import { FAKE_BAYIMCO_ACCOUNT, FAKE_BAYIMCO_OTHER_ACCOUNT } from './bayimco.fake-data';
import { startFakeBayimco, type FakeBayimco, type FakeBayimcoOptions } from './bayimco.fake';
import { FixedWindowBudget } from './bayimco.fake-budget';

const CITIZEN = FAKE_BAYIMCO_ACCOUNT.citizens[0]!.id;
const RIEM = '8E2B6C1A-3F4D-4A7B-9C2E-5D1F0A6B7C8D';
// A Tuesday in April 2021, the period the spec describes; budget windows start at 10:00 and 10:15.
const APRIL = '2021-04-06T10:00:00+02:00';

const adapter = createBayimcoAdapter({ requestTimeoutMs: 5000 });
const http = createHttpClient({ userAgent: 'slotwatch-test', timeoutMs: 5000 });

let fake: FakeBayimco;
const start = async (options: FakeBayimcoOptions = {}) => {
  await fake?.close();
  fake = await startFakeBayimco({ now: APRIL, ...options });
  return fake;
};
afterEach(async () => {
  await fake?.close();
});

const target = (extra: Partial<BayimcoTarget> = {}): BayimcoTarget => ({ baseUrl: fake.url, authUrl: fake.authUrl, citizenId: CITIZEN, ...extra });
const password = { username: FAKE_BAYIMCO_ACCOUNT.username, password: FAKE_BAYIMCO_ACCOUNT.password };
const refreshToken = () => ({ refreshToken: fake.control.issueTokens().refresh_token });

function context(extra: Partial<CheckContext> = {}): CheckContext {
  return {
    watchId: 'watch-1',
    http,
    state: new MemoryProviderState(),
    budget: new UnlimitedBudget(),
    log: pino({ level: 'silent' }),
    signal: new AbortController().signal,
    now: () => fake.control.now(),
    ...extra,
  };
}

async function tokenCall(form: Record<string, string>) {
  const res = await http.request({ method: 'POST', url: `${fake.authUrl}/protocol/openid-connect/token`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  return { status: res.status, body: JSON.parse(res.text) as Record<string, unknown> };
}

describe('bayimco adapter', () => {
  beforeEach(async () => {
    await start();
  });

  it('reports a found appointment with its vaccine, site and hold expiry', async () => {
    fake.control.offerAppointment({ date: '2021-04-12', time: '14:35', vaccineId: '002', siteId: RIEM });
    const snap = await adapter.check(target(), context({ credentials: refreshToken() }));
    expect(snap).toMatchObject({ status: 'ok', scope: { all: true }, requests: 2 });
    expect(snap.slots).toHaveLength(1);
    const [slot] = snap.slots;
    expect(slot).toMatchObject({ key: `2021-04-12T14:35@${RIEM}`, startsAt: '2021-04-12T14:35:00+02:00', scopeKey: '2021-04-12' });
    expect(slot!.attributes).toMatchObject({
      vaccineId: '002',
      vaccineName: 'Comirnaty (BioNTech/Pfizer)',
      siteId: RIEM,
      siteName: 'Impfzentrum München Riem',
      secondDoseAt: '2021-05-24T14:35:00+02:00',
      heldForCitizen: true,
      expiresAtEstimated: false,
    });
    // Held for 10 minutes from the call (§4.4), in Bavarian time.
    expect(slot!.attributes.expiresAt).toMatch(/^2021-04-06T10:10:0\d\+02:00$/);
    expect(fake.control.appointments()[0]!.heldBy).toBe(CITIZEN);
  });

  it('answers ok with no slots, scope all, when nothing is free', async () => {
    const snap = await adapter.check(target(), context({ credentials: refreshToken() }));
    expect(snap).toEqual({ status: 'ok', scope: { all: true }, slots: [], requests: 2 });
  });

  it('sends the April-2021 query with today as lastDate and the site filter', async () => {
    fake.control.offerAppointment({ date: '2021-04-20', siteId: '6D4C2B1A-9E8F-4A7B-8C6D-5E4F3A2B1C0D' });
    const ctx = context({ credentials: refreshToken() });
    expect((await adapter.check(target({ possibleSiteId: RIEM.toLowerCase() }), ctx)).slots).toEqual([]);
    expect((await adapter.check(target({ lastDate: '2021-04-21' }), ctx)).slots).toEqual([]);
    const snap = await adapter.check(target({ lastDate: '2021-03-01' }), ctx);
    expect(snap.slots[0]?.attributes.siteName).toBe('Impfzentrum Freising Luitpoldanlage');
  });

  it('reports rate_limited, never none, when the budget is spent', async () => {
    const budget = new FixedWindowBudget(() => fake.control.now());
    const ctx = context({ credentials: refreshToken(), budget });
    const snaps = [];
    for (let i = 0; i < 35; i += 1) snaps.push(await adapter.check(target(), ctx));
    expect(snaps.slice(0, 30).every((s) => s.status === 'ok')).toBe(true);
    for (const snap of snaps.slice(30)) {
      expect(snap).toMatchObject({ status: 'rate_limited', reason: 'budget_exhausted', slots: [], scope: { keys: [] }, requests: 0 });
      expect(snap.retryAfter?.toISOString()).toBe('2021-04-06T08:15:00.000Z');
    }
    // The budget refused before the call: the upstream saw exactly 30.
    expect(fake.control.counts()).toMatchObject({ next: 30, nextRateLimited: 0 });
  });

  it('reports rate_limited, never none, for a 404 past the upstream limit', async () => {
    // A budget looser than the upstream lets calls 31–35 through; BayIMCO hides even a free slot then.
    const budget = new FixedWindowBudget(() => fake.control.now());
    const ctx = context({ credentials: refreshToken(), budget });
    const loose = target({ budget: { calls: 40, perSeconds: 900 } });
    for (let i = 0; i < 30; i += 1) expect((await adapter.check(loose, ctx)).status).toBe('ok');
    fake.control.offerAppointment();
    for (let i = 0; i < 5; i += 1) {
      const snap = await adapter.check(loose, ctx);
      expect(snap).toMatchObject({ status: 'rate_limited', reason: 'upstream_limit_suspected', slots: [], scope: { keys: [] } });
      expect(snap.detail).toContain('no "none"');
      expect(snap.retryAfter!.getTime()).toBeGreaterThan(fake.control.now().getTime() + 14 * 60_000);
    }
    expect(fake.control.counts()).toMatchObject({ next: 35, nextRateLimited: 5 });
  });

  it('reports a hang as an error that hints at free slots, closing nothing', async () => {
    fake.control.setMode('slow500', 2000);
    const quick = createBayimcoAdapter({ requestTimeoutMs: 200 });
    const snap = await quick.check(target(), context({ credentials: refreshToken() }));
    expect(snap).toMatchObject({ status: 'error', reason: 'timeout', hint: 'likely available', slots: [], scope: { keys: [] } });
  });

  it('reports a slow 500 as an error that hints at free slots, closing nothing', async () => {
    fake.control.setMode('slow500', 50);
    const snap = await adapter.check(target(), context({ credentials: refreshToken() }));
    expect(snap).toMatchObject({ status: 'error', reason: 'http_500', hint: 'likely available', slots: [], scope: { keys: [] } });
  });

  it('reports a service that is down as an error without the hint', async () => {
    fake.control.setMode('down');
    const snap = await adapter.check(target(), context({ credentials: refreshToken() }));
    expect(snap).toMatchObject({ status: 'error', reason: 'http_503', scope: { keys: [] } });
    expect(snap.hint).toBeUndefined();
  });

  it('persists the rotated refresh token at once, and the old one no longer works', async () => {
    const given = refreshToken();
    const state = new MemoryProviderState();
    await adapter.check(target(), context({ credentials: given, state }));
    const stored = await state.get<unknown>('bayimco:tokens');
    expect(stored).toBeDefined();
    // Sealed at rest: the state holds no token in clear.
    expect(JSON.stringify(stored)).not.toContain(given.refreshToken.slice(0, 40));
    expect(await tokenCall({ client_id: 'c19v-frontend', grant_type: 'refresh_token', refresh_token: given.refreshToken })).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Maximum allowed refresh token reuse exceeded' },
    });
    // Past the access token's 300 s the next check refreshes with the stored (rotated) token.
    fake.control.advance(6 * 60_000);
    expect((await adapter.check(target(), context({ credentials: given, state }))).status).toBe('ok');
    // Two refreshes by the adapter, plus the refused replay above.
    expect(fake.control.counts()).toMatchObject({ tokenRefresh: 3, tokenRefused: 1 });
  });

  it('keeps working from a second adapter instance sharing the state', async () => {
    const credentials = refreshToken();
    const state = new MemoryProviderState();
    const first = createBayimcoAdapter();
    const second = createBayimcoAdapter();
    fake.control.offerAppointment();
    for (const [i, instance] of [first, second, first, second].entries()) {
      fake.control.advance(6 * 60_000);
      const snap = await instance.check(target(), context({ credentials, state }));
      expect(snap.status, `check ${i}`).toBe('ok');
      expect(snap.slots).toHaveLength(1);
    }
    expect(fake.control.counts()).toMatchObject({ tokenRefresh: 4, tokenRefused: 0 });
  });

  it('refreshes once for two checks of one watch at the same time', async () => {
    const ctx = context({ credentials: refreshToken() });
    const snaps = await Promise.all([adapter.check(target(), ctx), adapter.check(target(), ctx)]);
    expect(snaps.map((s) => s.status)).toEqual(['ok', 'ok']);
    expect(fake.control.counts()).toMatchObject({ tokenRefresh: 1, tokenRefused: 0 });
  });

  it('takes the refresh lock the scraper supplies, keyed by watch', async () => {
    const keys: string[] = [];
    const locking = createBayimcoAdapter({
      withRefreshLock: async (key, work) => {
        keys.push(key);
        return work();
      },
    });
    const ctx = context({ credentials: refreshToken() });
    await locking.check(target(), ctx);
    await locking.check(target(), ctx);
    expect(keys).toEqual(['bayimco:refresh:watch-1']); // the second check used the cached access token
    const fromContext: string[] = [];
    const withLock = async (key: string, work: () => Promise<unknown>) => {
      fromContext.push(key);
      return work();
    };
    const snap = await locking.check(target(), { ...context({ credentials: refreshToken() }), withLock } as CheckContext);
    expect(snap.status).toBe('ok');
    expect(fromContext).toEqual(['bayimco:refresh:watch-1']);
  });

  it('renews the token once on a 401 and calls again', async () => {
    const ctx = context({ credentials: refreshToken() });
    await adapter.check(target(), ctx);
    fake.control.expireTokens('access');
    const snap = await adapter.check(target(), ctx);
    expect(snap).toMatchObject({ status: 'ok', requests: 3 });
    expect(fake.control.counts()).toMatchObject({ unauthorized: 1, tokenRefresh: 2, next: 3 });
  });

  it('reports auth_failed with a clear detail when the refresh token is refused and no password is stored', async () => {
    const ctx = context({ credentials: { refreshToken: 'eyJhbGciOiJIUzI1NiJ9.bogus.token' } });
    const snap = await adapter.check(target(), ctx);
    expect(snap).toMatchObject({ status: 'auth_failed', reason: 'invalid_grant', slots: [], scope: { keys: [] } });
    expect(snap.detail).toContain('invalid_grant: Invalid refresh token');
    expect(snap.detail).toContain('no password is stored');
    // Remembered: the dead token is not offered to Keycloak on every check.
    const again = await adapter.check(target(), ctx);
    expect(again).toMatchObject({ status: 'auth_failed', requests: 0 });
    expect(again.detail).toContain('replaced');
  });

  it('reports auth_failed when Keycloak refuses the password', async () => {
    const snap = await adapter.check(target(), context({ credentials: { ...password, password: 'wrong' } }));
    expect(snap).toMatchObject({ status: 'auth_failed', reason: 'bad_credentials' });
    expect(snap.detail).toContain('Ungültiger Benutzername oder Passwort.');
    expect(fake.control.counts()).toMatchObject({ loginRefused: 1, next: 0 });
  });

  it('logs in with the password end to end', async () => {
    fake.control.offerAppointment();
    const snap = await adapter.check(target(), context({ credentials: password }));
    expect(snap).toMatchObject({ status: 'ok', requests: 4 });
    expect(snap.slots).toHaveLength(1);
    expect(fake.control.counts()).toMatchObject({ loginPage: 1, loginPost: 1, tokenCode: 1, next: 1 });
  });

  it('logs in again with the password when the refresh chain dies', async () => {
    const ctx = context({ credentials: password });
    await adapter.check(target(), ctx);
    fake.control.endSessions();
    fake.control.advance(6 * 60_000);
    expect((await adapter.check(target(), ctx)).status).toBe('ok');
    expect(fake.control.counts()).toMatchObject({ tokenRefresh: 1, tokenRefused: 1, tokenCode: 2 });
  });

  it('starts over from new credentials that replace the old ones', async () => {
    const state = new MemoryProviderState();
    await adapter.check(target(), context({ credentials: { refreshToken: 'dead' }, state }));
    const snap = await adapter.check(target(), context({ credentials: refreshToken(), state }));
    expect(snap.status).toBe('ok');
  });

  it('reports auth_failed naming the fields when credentials are missing or incomplete', async () => {
    expect(await adapter.check(target(), context())).toMatchObject({ status: 'auth_failed', reason: 'no_credentials', requests: 0 });
    const snap = await adapter.check(target(), context({ credentials: { password: 'x' } }));
    expect(snap.detail).toContain('credentials.username is required');
  });

  it('reports auth_failed for a citizen of another account', async () => {
    const other = FAKE_BAYIMCO_OTHER_ACCOUNT.citizens[0]!.id;
    const snap = await adapter.check(target({ citizenId: other }), context({ credentials: password }));
    expect(snap).toMatchObject({ status: 'auth_failed', reason: 'forbidden' });
    expect(snap.detail).toContain('target.citizenId');
  });

  it('refuses a malformed citizenId with a TargetError naming target.citizenId', async () => {
    const error = await adapter.check(target({ citizenId: '34622806-40C1' }), context({ credentials: password })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetError);
    expect((error as TargetError).field).toBe('citizenId');
    expect((error as TargetError).message).toContain('target.citizenId "34622806-40C1"');
    expect(fake.control.counts().loginPage).toBe(0);
  });

  it('stops after a hit when stopOnSuccess is set, and resumes when the policy is lifted', async () => {
    fake.control.offerAppointment();
    const ctx = context({ credentials: refreshToken() });
    const policies = { stopOnSuccess: true };
    expect((await adapter.check(target({ policies }), ctx)).slots).toHaveLength(1);
    const stopped = await adapter.check(target({ policies }), ctx);
    expect(stopped).toMatchObject({ status: 'blocked', reason: 'stopped_by_stopOnSuccess', requests: 0, scope: { keys: [] } });
    expect((await adapter.check(target(), ctx)).status).toBe('ok');
  });

  it('names the upstream host and the booking page', () => {
    const t: BayimcoTarget = { citizenId: CITIZEN.toLowerCase() };
    expect(adapter.upstreamHost(t)).toBe('impfzentren.bayern');
    expect(adapter.bookingUrl?.(t)).toBe('https://impfzentren.bayern/citizen/overview');
    expect(adapter.bookingUrl?.(t)).not.toContain(CITIZEN);
    expect(adapter.defaultVisibility).toBe('private');
  });
});
