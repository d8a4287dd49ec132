import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createHttpClient, type HttpClient } from '@slotwatch/http';
import { MemoryProviderState, TargetError, UnlimitedBudget, type CheckContext, type RequestBudget } from '@slotwatch/provider-core';
import { createTroovAdapter } from './troov.adapter';
import type { TroovTarget } from './troov.config';
import { startFakeTroov, type FakeTroov, type FakeTroovOptions } from './troov.fake';

const MONTREAL = '61f924e90b0582a933ff3e7c';
const PASSPORT = '623e3c5319ec2e40dcf76397';
// A Monday morning in Montréal, before the 18:00 release: the window is 2026-11-23 … 2027-01-03.
const MONDAY = '2026-11-23T10:00:00-05:00';

const adapter = createTroovAdapter({ minGapMs: 0, requestTimeoutMs: 2000 });

let fake: FakeTroov;
const start = async (options: FakeTroovOptions = {}) => {
  fake = await startFakeTroov({ now: MONDAY, ...options });
  return fake;
};
afterEach(async () => {
  await fake?.close();
});

const target = (extra: Partial<TroovTarget> = {}): TroovTarget => ({
  baseUrl: fake.url,
  teamId: MONTREAL,
  serviceId: PASSPORT,
  serviceName: 'Demande de passeport/CNI',
  ...extra,
});

function context(extra: Partial<CheckContext> = {}): CheckContext {
  return {
    watchId: 'watch-1',
    http: createHttpClient({ userAgent: 'slotwatch-test', timeoutMs: 5000 }),
    state: new MemoryProviderState(),
    budget: new UnlimitedBudget(),
    log: pino({ level: 'silent' }),
    signal: new AbortController().signal,
    now: () => fake.control.now(),
    ...extra,
  };
}

/** An http client that runs `before` ahead of each matching request: trouble at an exact moment. */
function intercept(http: HttpClient, match: RegExp, before: () => void, times = 1): HttpClient {
  let left = times;
  return {
    request(req) {
      if (left > 0 && match.test(req.url)) {
        left -= 1;
        before();
      }
      return http.request(req);
    },
  };
}

const posts = (path: string) => fake.control.requests().filter((r) => r.method === 'POST' && r.path.includes(path)).length;

describe('troov adapter', () => {
  beforeEach(async () => {
    await start();
  });

  it('reports the free slots of every open day with their local offset', async () => {
    fake.control.openSlot('2026-11-25', '09:00');
    fake.control.openSlot('2026-11-25', '09:15');
    fake.control.openSlot('2026-12-02', '14:00');
    const snap = await adapter.check(target(), context());
    expect(snap.status).toBe('ok');
    expect(snap.slots).toEqual([
      { key: '2026-11-25T09:00', startsAt: '2026-11-25T09:00:00-05:00', scopeKey: '2026-11-25', attributes: { capacity: 1, rate: '0.00' } },
      { key: '2026-11-25T09:15', startsAt: '2026-11-25T09:15:00-05:00', scopeKey: '2026-11-25', attributes: { capacity: 1, rate: '0.00' } },
      { key: '2026-12-02T14:00', startsAt: '2026-12-02T14:00:00-05:00', scopeKey: '2026-12-02', attributes: { capacity: 1, rate: '0.00' } },
    ]);
    // Every day of the window is answered: the excluded ones as "no slots", two by availability.
    const keys = (snap.scope as { keys: string[] }).keys;
    expect(keys[0]).toBe('2026-11-23');
    expect(keys.at(-1)).toBe('2027-01-03');
    expect(keys).toHaveLength(42);
    // handshake, team, get-interval, session, exclude-days, two days of availability
    expect(snap.requests).toBe(7);
    expect(fake.control.requestCount()).toBe(7);
  });

  it('sends the handshake headers and the rotated csrf token', async () => {
    await adapter.check(target(), context());
    const log = fake.control.requests();
    const session = log.find((r) => r.path.endsWith('/reservations-session'))!;
    const exclude = log.find((r) => r.path.includes('exclude-days'))!;
    expect(session.headers['x-gouv-web']).toBe('fr.gouv.consulat');
    expect(session.headers['x-gouv-app-id']).toMatch(/^fr\.gouv\$\+.+%%[0-9a-f-]{36}-meae-ttc$/);
    expect(exclude.headers['x-csrf-token']).not.toBe(session.headers['x-csrf-token']);
  });

  it('reuses the session and handshake across checks and renews the session before 30 minutes', async () => {
    const ctx = context();
    await adapter.check(target(), ctx);
    await adapter.check(target(), ctx);
    expect(posts('/reservations-session')).toBe(1);
    fake.control.advance(26 * 60_000);
    const snap = await adapter.check(target(), ctx);
    expect(snap.status).toBe('ok');
    expect(posts('/reservations-session')).toBe(2);
  });

  it('opens a new session when the session expires mid-check and still answers ok', async () => {
    fake.control.openSlot('2026-11-25', '09:00');
    fake.control.openSlot('2026-11-26', '10:00');
    const base = context();
    const http = intercept(base.http, /availability\?.*date=2026-11-26/, () => fake.control.expireSessions());
    const snap = await adapter.check(target(), { ...base, http });
    expect(snap.status).toBe('ok');
    expect(snap.slots.map((s) => s.key)).toEqual(['2026-11-25T09:00', '2026-11-26T10:00']);
    expect(posts('/reservations-session')).toBe(2);
    expect(fake.control.requests().filter((r) => r.status === 404)).toHaveLength(1);
  });

  it('handshakes again when TROOV answers 418 to an expired handshake', async () => {
    const ctx = context();
    await adapter.check(target(), ctx);
    fake.control.expireHandshakes();
    fake.control.openSlot('2026-11-30', '08:45');
    const snap = await adapter.check(target(), ctx);
    expect(snap.status).toBe('ok');
    expect(snap.slots.map((s) => s.key)).toEqual(['2026-11-30T08:45']);
    const log = fake.control.requests();
    expect(log.filter((r) => r.status === 418)).toHaveLength(1);
    expect(log.filter((r) => r.method === 'HEAD')).toHaveLength(2);
  });

  it('handshakes again when an expired app id answers 200 with an empty body', async () => {
    await fake.close();
    await start({ expiredAppId: 'empty-body' });
    const ctx = context();
    await adapter.check(target(), ctx);
    fake.control.expireHandshakes();
    const snap = await adapter.check(target(), ctx);
    expect(snap.status).toBe('ok');
    expect(fake.control.requests().filter((r) => r.method === 'HEAD')).toHaveLength(2);
  });

  it('reports an empty body that a fresh handshake does not cure as an error', async () => {
    fake.control.setFailure({ endpoint: 'exclude-days', empty: true });
    const snap = await adapter.check(target(), context());
    expect(snap).toMatchObject({ status: 'error', reason: 'app_id_expired', slots: [], scope: { keys: [] } });
    expect(snap.detail).toMatch(/empty body/);
  });

  it('marks the check rate_limited with the Retry-After time on a 429', async () => {
    fake.control.setFailure({ endpoint: 'exclude-days', status: 429, retryAfterSeconds: 120 });
    const snap = await adapter.check(target(), context());
    expect(snap).toMatchObject({ status: 'rate_limited', reason: 'http_429', slots: [], scope: { keys: [] } });
    const wait = snap.retryAfter!.getTime() - fake.control.now().getTime();
    expect(wait).toBeGreaterThan(118_000);
    expect(wait).toBeLessThanOrEqual(120_000);
  });

  it('marks the check rate_limited when the fake throttles above its rate', async () => {
    fake.control.setRateLimit({ calls: 3, perSeconds: 60, retryAfterSeconds: 30 });
    const snap = await adapter.check(target(), context());
    expect(snap.status).toBe('rate_limited');
    expect(snap.requests).toBe(4);
    expect(snap.retryAfter!.getTime() - fake.control.now().getTime()).toBeGreaterThan(28_000);
  });

  it('marks the check partial when one day fails', async () => {
    fake.control.openSlot('2026-11-25', '09:00');
    fake.control.openSlot('2026-11-26', '10:00');
    fake.control.setFailure({ endpoint: 'availability', day: '2026-11-25', status: 503 });
    const snap = await adapter.check(target(), context());
    expect(snap.status).toBe('partial');
    expect(snap.reason).toBe('http_503');
    expect(snap.detail).toContain('2026-11-25');
    expect(snap.slots.map((s) => s.key)).toEqual(['2026-11-26T10:00']);
    const keys = (snap.scope as { keys: string[] }).keys;
    expect(keys).not.toContain('2026-11-25');
    expect(keys).toContain('2026-11-26');
    expect(keys).toContain('2026-11-28'); // a Saturday, excluded by TROOV: answered "no slots"
  });

  it('reports a captcha gate as blocked without claiming any slot', async () => {
    fake.control.openSlot('2026-11-25', '09:00');
    fake.control.setCaptcha(true);
    const snap = await adapter.check(target(), context());
    expect(snap).toMatchObject({ status: 'blocked', reason: 'captcha_required', slots: [], scope: { keys: [] } });
    expect(snap.detail).toMatch(/does not solve captchas/);
  });

  it('uses a session id handed over by the operator while the captcha gate is up', async () => {
    fake.control.openSlot('2026-11-25', '09:00');
    fake.control.setCaptcha(true);
    const sessionId = await browserSession(fake.url);
    const snap = await adapter.check(target(), context({ credentials: { sessionId } }));
    expect(snap.status).toBe('ok');
    expect(snap.slots.map((s) => s.key)).toEqual(['2026-11-25T09:00']);
  });

  it('reports an HTML page where JSON was expected as an error that says so', async () => {
    fake.control.setFailure({ endpoint: 'exclude-days', html: true });
    const snap = await adapter.check(target(), context());
    expect(snap).toMatchObject({ status: 'error', reason: 'upstream_shape', slots: [] });
    expect(snap.detail).toMatch(/exclude-days answered an HTML page \("Une erreur est survenue"\) where JSON was expected/);
  });

  it('reports a maintenance page on every call as an error', async () => {
    fake.control.setFailure({ html: true, status: 503 });
    const snap = await adapter.check(target(), context());
    expect(snap.status).toBe('error');
    expect(snap.detail).toMatch(/maintenance/);
  });

  it('reports 5xx and timeouts as errors', async () => {
    fake.control.setFailure({ endpoint: 'any', status: 500 });
    expect(await adapter.check(target(), context())).toMatchObject({ status: 'error', reason: 'http_500' });
    fake.control.setFailure({ endpoint: 'handshake', delayMs: 500 });
    const slow = createTroovAdapter({ minGapMs: 0, requestTimeoutMs: 100 });
    expect(await slow.check(target(), context())).toMatchObject({ status: 'error', reason: 'timeout', requests: 1 });
  });

  it('refuses an unknown service name with a TargetError naming the field', async () => {
    const error = await adapter.check(target({ serviceName: 'Passeport' }), context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetError);
    expect((error as TargetError).field).toBe('serviceName');
    expect((error as TargetError).message).toContain('"Demande de passeport/CNI"');
  });

  it('gives the slots the offset of their own date across the autumn DST change', async () => {
    fake.control.setNow('2026-10-20T10:00:00-04:00');
    fake.control.openSlot('2026-10-30', '09:00');
    fake.control.openSlot('2026-11-02', '09:00');
    const snap = await adapter.check(target(), context());
    expect(snap.slots.map((s) => s.startsAt)).toEqual(['2026-10-30T09:00:00-04:00', '2026-11-02T09:00:00-05:00']);
  });

  it('stops with a partial snapshot when the shared budget runs out', async () => {
    fake.control.openSlot('2026-11-25', '09:00');
    fake.control.openSlot('2026-11-26', '09:00');
    let left = 6;
    const budget: RequestBudget = {
      async take() {
        left -= 1;
        return left >= 0 ? { ok: true } : { ok: false, retryAfter: new Date(fake.control.now().getTime() + 30_000) };
      },
    };
    const snap = await adapter.check(target(), context({ budget }));
    expect(snap).toMatchObject({ status: 'partial', reason: 'budget_exhausted', requests: 6 });
    expect(snap.slots.map((s) => s.key)).toEqual(['2026-11-25T09:00']);
    expect((snap.scope as { keys: string[] }).keys).not.toContain('2026-11-26');
  });

  it('speaks the spring-2022 dialect with the 2022 profile', async () => {
    await fake.close();
    await start({ profile: '2022', freeSlots: [{ day: '2026-11-25', time: '09:00' }] });
    const snap = await adapter.check(target({ profile: '2022' }), context());
    expect(snap.status).toBe('ok');
    expect(snap.slots.map((s) => s.key)).toEqual(['2026-11-25T09:00']);
    const log = fake.control.requests();
    expect(log.some((r) => r.path.includes('/avaibility?'))).toBe(true);
    expect(log.every((r) => r.headers['x-troov-web'] === 'com.troov.web')).toBe(true);
  });

  it('links to the consulate booking page', () => {
    expect(adapter.bookingUrl?.(target())).toBe(
      'https://consulat.gouv.fr/consulat-general-de-france-a-montreal/rendez-vous?name=Demande%20de%20passeport%2FCNI',
    );
    expect(adapter.upstreamHost(target())).toBe(new URL(fake.url).host);
  });
});

/** What an operator does in a browser: handshake, solve the captcha, open a session. */
async function browserSession(baseUrl: string): Promise<string> {
  const hs = await fetch(`${baseUrl}/handshake`, { method: 'HEAD' });
  const res = await fetch(`${baseUrl}/team/${MONTREAL}/reservations-session`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-gouv-app-id': hs.headers.get('x-gouv-app-id')!,
      'x-csrf-token': hs.headers.get('x-gouv-handshake')!,
      'x-gouv-web': 'fr.gouv.consulat',
    },
    body: JSON.stringify({ standaloneServiceName: 'Demande de passeport/CNI', captcha: 'solved-by-a-person' }),
  });
  return ((await res.json()) as { _id: string })._id;
}
