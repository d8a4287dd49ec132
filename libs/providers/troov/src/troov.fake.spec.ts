import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeTroov, type FakeTroov } from './troov.fake';

const TEAM = '61f924e90b0582a933ff3e7c';
const PASSPORT = '623e3c5319ec2e40dcf76397';
const NAME = 'Demande de passeport/CNI';

let fake: FakeTroov;
beforeEach(async () => {
  fake = await startFakeTroov({ now: '2026-11-23T10:00:00-05:00' });
});
afterEach(async () => {
  await fake.close();
});

/** A browser-like client: handshake first, then every call with its headers. */
async function browser(url: string) {
  const hs = await fetch(`${url}/handshake`, { method: 'HEAD' });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-gouv-app-id': hs.headers.get('x-gouv-app-id') ?? '',
    'x-csrf-token': hs.headers.get('x-gouv-handshake') ?? '',
    'x-gouv-web': 'fr.gouv.consulat',
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const rotated = res.headers.get('x-gouv-handshake');
    if (rotated) headers['x-csrf-token'] = rotated;
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined, headers: res.headers };
  };
  const session = async () => ((await call('POST', `/team/${TEAM}/reservations-session`, { standaloneServiceName: NAME })).body as { _id: string })._id;
  return { call, session, headers };
}

const control = (path: string, body?: unknown) =>
  fetch(`${fake.controlUrl}${path}`, { method: body === undefined ? 'GET' : 'POST', body: body === undefined ? undefined : JSON.stringify(body) }).then(
    async (r) => ({ status: r.status, body: (await r.json()) as unknown }),
  );

describe('fake TROOV', () => {
  it('answers 418 ImATeapot without a handshake', async () => {
    const res = await fetch(`${fake.url}/team/${TEAM}`);
    expect(res.status).toBe(418);
    expect(await res.json()).toMatchObject({ name: 'ImATeapotError', type: 'IM_A_TEAPOT_ERROR_418' });
  });

  it('hands out 24-hex session ids that expire after their TTL', async () => {
    await fake.close();
    fake = await startFakeTroov({ now: '2026-11-23T10:00:00-05:00', sessionTtlSeconds: 60 });
    const b = await browser(fake.url);
    const id = await b.session();
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    const day = '2026-11-25';
    const query = `name=${encodeURIComponent(NAME)}&date=${day}&places=1&matching=&maxCapacity=1&sessionId=${id}`;
    expect((await b.call('GET', `/team/${TEAM}/reservations/availability?${query}`)).status).toBe(200);
    fake.control.advance(61_000);
    expect(await b.call('GET', `/team/${TEAM}/reservations/availability?${query}`)).toMatchObject({ status: 404, body: { message: 'SESSION_ERROR' } });
  });

  it('excludes weekends, holidays, today and full days, in no order', async () => {
    fake.control.openSlot('2026-11-24', '09:00');
    const b = await browser(fake.url);
    const sessionId = await b.session();
    const interval = await b.call('GET', `/team/${TEAM}/reservations/get-interval?serviceId=${PASSPORT}`);
    expect(interval.body).toEqual({ start: '2026-11-23', end: '2027-01-03' });
    const res = await b.call('POST', `/team/${TEAM}/reservations/exclude-days`, { session: { [PASSPORT]: true }, sessionId });
    const days = res.body as string[];
    expect(days).toContain('2026-11-23'); // today
    expect(days).toContain('2026-11-28'); // Saturday
    expect(days).toContain('2026-12-25'); // holiday
    expect(days).toContain('2026-11-25'); // a weekday with no free slot
    expect(days).not.toContain('2026-11-24');
    expect(days).toContain('2025-12-25'); // a past holiday outside the window, as upstream does
  });

  it('answers [] for a wrong name, today and past days, and serves the old path only in 2022', async () => {
    fake.control.openAll();
    const b = await browser(fake.url);
    const sessionId = await b.session();
    const availability = (name: string, date: string, path = 'availability') =>
      b.call('GET', `/team/${TEAM}/reservations/${path}?name=${encodeURIComponent(name)}&date=${date}&places=1&matching=&maxCapacity=1&sessionId=${sessionId}`);
    const slots = (await availability(NAME, '2026-11-24')).body as { time: string }[];
    expect(slots[0]).toEqual({ time: '08:45', rate: '0.00', capacity: 1 });
    expect(slots.map((s) => s.time)).not.toContain('13:00'); // the lunch break
    expect(slots.at(-1)?.time).toBe('15:15');
    expect((await availability('demande de passeport/cni', '2026-11-24')).body).toEqual([]);
    expect((await availability(NAME, '2026-11-23')).body).toEqual([]);
    expect((await availability(NAME, '2026-11-20')).body).toEqual([]);
    expect((await availability(NAME, '2026-11-24', 'avaibility')).status).toBe(404);
  });

  it('gates session creation behind a captcha when asked', async () => {
    fake.control.setCaptcha(true);
    const b = await browser(fake.url);
    expect(await b.call('POST', `/team/${TEAM}/reservations-session`, { standaloneServiceName: NAME })).toMatchObject({
      status: 400,
      body: { message: 'CAPTCHA_FAILED' },
    });
    const ok = await b.call('POST', `/team/${TEAM}/reservations-session`, { standaloneServiceName: NAME, captcha: 'troov_c_AB12' });
    expect(ok.status).toBe(200);
  });

  it('is driven over HTTP by its control endpoints', async () => {
    expect((await control('/now', { now: '2026-12-01T09:00:00-05:00' })).body).toEqual({ now: '2026-12-01T14:00:00.000Z' });
    expect((await control('/slots/open', { day: '2026-12-02', time: '09:15' })).status).toBe(200);
    expect((await control('/slots/open', { day: '2026-12-05', time: '09:15' })).status).toBe(400); // a Saturday
    expect((await control('/slots')).body).toEqual([{ day: '2026-12-02', time: '09:15' }]);
    await control('/slots/open', { day: '2026-12-01', time: '09:15' }); // today: free, but nobody can see it
    expect((await control('/slots')).body).toEqual([{ day: '2026-12-02', time: '09:15' }]);
    expect((await control('/slots/close', { day: '2026-12-02', time: '09:15' })).body).toEqual({ ok: true });
    expect((await control('/slots')).body).toEqual([]);

    await control('/failure', { endpoint: 'team', status: 503, times: 1 });
    const b = await browser(fake.url);
    expect((await b.call('GET', `/team/${TEAM}`)).status).toBe(503);
    expect((await b.call('GET', `/team/${TEAM}`)).status).toBe(200);

    await control('/rate-limit', { calls: 1, perSeconds: 60, retryAfterSeconds: 42 });
    expect((await b.call('GET', `/team/${TEAM}`)).status).toBe(200);
    const limited = await b.call('GET', `/team/${TEAM}`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('42');
    await control('/rate-limit', null);

    await control('/handshakes/expire', {});
    expect((await b.call('GET', `/team/${TEAM}`)).status).toBe(418);
    const requests = (await control('/requests')).body as { count: number; log: { status: number }[] };
    expect(requests.count).toBe(requests.log.length);
    expect(requests.log.map((r) => r.status)).toEqual([200, 503, 200, 200, 429, 418]);
  });
});
