import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, insertWatchRow, startApiFixture, troovTarget, walkPages, writeSlotEvent, type ApiFixture } from './testing';

let f: ApiFixture;
beforeAll(async () => {
  f = await startApiFixture('api_watches');
});
afterAll(async () => f?.close());

interface Problem { status: number; detail: string; errors?: { field: string }[] }
interface Watch { id: string; name: string; intervalSeconds: number; active: boolean; visibility: string; hasCredentials: boolean; health: { state: string; staleSince: string | null } }

const createWatch = async (body: Record<string, unknown> = {}) =>
  (await f.app.inject({ method: 'POST', url: '/v1/watches', headers: bearer(f.adminKey), payload: { provider: 'troov', name: 'Montréal passport', intervalSeconds: 300, target: troovTarget, ...body } })).json<Watch>();

describe('PATCH /v1/watches/:id', () => {
  it('renames, re-times, pauses and resumes a watch', async () => {
    const w = await createWatch();
    const res = await f.app.inject({ method: 'PATCH', url: `/v1/watches/${w.id}`, headers: bearer(f.adminKey), payload: { name: 'Montréal CNI', intervalSeconds: 600, active: false } });
    expect(res.statusCode).toBe(200);
    expect(res.json<Watch>()).toMatchObject({ name: 'Montréal CNI', intervalSeconds: 600, active: false });
    const resumed = await f.app.inject({ method: 'PATCH', url: `/v1/watches/${w.id}`, headers: bearer(f.adminKey), payload: { active: true } });
    expect(resumed.json<Watch>()).toMatchObject({ name: 'Montréal CNI', active: true });
  });

  it('holds the interval to the provider floor and names the field', async () => {
    const w = await createWatch();
    const res = await f.app.inject({ method: 'PATCH', url: `/v1/watches/${w.id}`, headers: bearer(f.adminKey), payload: { intervalSeconds: 5 } });
    expect(res.statusCode).toBe(400);
    expect(res.json<Problem>().errors![0]!.field).toBe('intervalSeconds');
  });

  it('names an unknown field, a wrong type and an empty body', async () => {
    const w = await createWatch();
    const bad = await f.app.inject({ method: 'PATCH', url: `/v1/watches/${w.id}`, headers: bearer(f.adminKey), payload: { provider: 'bayimco', active: 'yes please' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<Problem>().errors!.map((e) => e.field)).toEqual(expect.arrayContaining(['body.provider', 'body.active']));
    const empty = await f.app.inject({ method: 'PATCH', url: `/v1/watches/${w.id}`, headers: bearer(f.adminKey), payload: {} });
    expect(empty.statusCode).toBe(400);
  });

  it('is for admins only and answers 404 for an unknown watch', async () => {
    const w = await createWatch();
    expect((await f.app.inject({ method: 'PATCH', url: `/v1/watches/${w.id}`, headers: bearer(f.integratorKey), payload: { active: false } })).statusCode).toBe(403);
    expect((await f.app.inject({ method: 'PATCH', url: `/v1/watches/${w.id}`, payload: { active: false } })).statusCode).toBe(401);
    expect((await f.app.inject({ method: 'PATCH', url: '/v1/watches/00000000-0000-4000-8000-000000000000', headers: bearer(f.adminKey), payload: { active: false } })).statusCode).toBe(404);
  });
});

describe('DELETE /v1/watches/:id', () => {
  it('deletes a watch for an admin only, then answers 404', async () => {
    const w = await createWatch();
    expect((await f.app.inject({ method: 'DELETE', url: `/v1/watches/${w.id}`, headers: bearer(f.integratorKey) })).statusCode).toBe(403);
    expect((await f.app.inject({ method: 'DELETE', url: `/v1/watches/${w.id}` })).statusCode).toBe(401);
    expect((await f.app.inject({ method: 'DELETE', url: `/v1/watches/${w.id}`, headers: bearer(f.adminKey) })).statusCode).toBe(204);
    expect((await f.app.inject({ url: `/v1/watches/${w.id}`, headers: bearer(f.adminKey) })).statusCode).toBe(404);
    expect((await f.app.inject({ method: 'DELETE', url: `/v1/watches/${w.id}`, headers: bearer(f.adminKey) })).statusCode).toBe(404);
  });
});

describe('GET /v1/watches', () => {
  it('pages through every watch with after/next', async () => {
    for (let i = 0; i < 3; i++) await createWatch({ name: `page ${i}` });
    const all = (await f.app.inject({ url: '/v1/watches?limit=500', headers: bearer(f.adminKey) })).json<{ items: Watch[]; next: string | null }>();
    const seen = (await walkPages<Watch>(f.app, '/v1/watches?limit=2', bearer(f.adminKey))).items.map((w) => w.id);
    expect(seen).toEqual(all.items.map((w) => w.id));
    const bad = await f.app.inject({ url: '/v1/watches?after=yesterday', headers: bearer(f.adminKey) });
    expect(bad.json<Problem>().errors![0]!.field).toBe('query.after');
  });

  it("hides another integrator's private watch, shows it to its owner and to admins", async () => {
    const own = await insertWatchRow(f.db, { visibility: 'private', owner: f.integratorId, name: 'mine' });
    const theirs = await insertWatchRow(f.db, { visibility: 'private', owner: f.otherId, name: 'theirs' });
    expect((await f.app.inject({ url: `/v1/watches/${own}`, headers: bearer(f.integratorKey) })).statusCode).toBe(200);
    expect((await f.app.inject({ url: `/v1/watches/${theirs}`, headers: bearer(f.integratorKey) })).statusCode).toBe(404);
    expect((await f.app.inject({ url: `/v1/watches/${theirs}/slots`, headers: bearer(f.integratorKey) })).statusCode).toBe(404);
    expect((await f.app.inject({ url: `/v1/watches/${theirs}`, headers: bearer(f.adminKey) })).statusCode).toBe(200);
    const list = (await f.app.inject({ url: '/v1/watches?limit=500', headers: bearer(f.integratorKey) })).json<{ items: Watch[] }>();
    expect(list.items.map((w) => w.id)).toContain(own);
    expect(list.items.map((w) => w.id)).not.toContain(theirs);
  });
});

describe('GET /v1/watches/:id/slots', () => {
  it('lists open slots by start time, page by page', async () => {
    const id = await insertWatchRow(f.db);
    const starts = ['2026-11-24T09:15:00-05:00', '2026-11-24T09:30:00-05:00', '2026-11-25T10:00:00-05:00', '2026-11-26T08:00:00-05:00'];
    for (const s of [...starts].reverse()) await writeSlotEvent(f.db, id, 'slot.opened', { key: s.slice(0, 16), startsAt: s });
    await writeSlotEvent(f.db, id, 'slot.closed', { key: '2026-11-27T08:00', startsAt: '2026-11-27T08:00:00-05:00' });
    const walked = await walkPages<{ startsAt: string }>(f.app, `/v1/watches/${id}/slots?limit=3`, bearer(f.integratorKey));
    expect(walked.sizes).toEqual([3, 1]);
    const seen = walked.items.map((s) => s.startsAt);
    expect(seen).toEqual(starts);
    const bad = await f.app.inject({ url: `/v1/watches/${id}/slots?after=garbage`, headers: bearer(f.integratorKey) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<Problem>().errors![0]!.field).toBe('query.after');
  });
});

describe('credentials and sessions', () => {
  it('stores TROOV credentials and a session sealed, and never shows them', async () => {
    const w = await createWatch();
    const put = await f.app.inject({ method: 'PUT', url: `/v1/watches/${w.id}/credentials`, headers: bearer(f.adminKey), payload: { cookie: 'abc' } });
    expect(put.statusCode).toBe(204);
    const session = await f.app.inject({ method: 'POST', url: `/v1/watches/${w.id}/session`, headers: bearer(f.adminKey), payload: { sessionId: 'sess-0123456789abcdef' } });
    expect(session.statusCode).toBe(204);
    const [row] = await f.db<{ sealed: string }[]>`SELECT sealed FROM provider_credentials WHERE watch_id = ${w.id}`;
    expect(row!.sealed).not.toContain('sess-0123456789abcdef');
    expect(JSON.parse(f.secrets.open(row!.sealed))).toEqual({ cookie: 'abc', sessionId: 'sess-0123456789abcdef' });
    const read = await f.app.inject({ url: `/v1/watches/${w.id}`, headers: bearer(f.adminKey) });
    expect(read.json<Watch>().hasCredentials).toBe(true);
    expect(read.body).not.toContain('sess-0123456789abcdef');
  });

  it('checks BayIMCO credentials with the provider and names each bad field', async () => {
    const id = await insertWatchRow(f.db, { provider: 'bayimco', visibility: 'private', target: {} });
    const bad = await f.app.inject({ method: 'PUT', url: `/v1/watches/${id}/credentials`, headers: bearer(f.adminKey), payload: { username: 'a@example.org', pass: 'x' } });
    expect(bad.statusCode).toBe(400);
    const fields = bad.json<Problem>().errors!.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body.pass', 'body.password']));
    const ok = await f.app.inject({ method: 'PUT', url: `/v1/watches/${id}/credentials`, headers: bearer(f.adminKey), payload: { refreshToken: 'eyJhbGciOi.refresh' } });
    expect(ok.statusCode).toBe(204);
    const session = await f.app.inject({ method: 'POST', url: `/v1/watches/${id}/session`, headers: bearer(f.adminKey), payload: { sessionId: 'sess-0123456789abcdef' } });
    expect(session.statusCode).toBe(409);
  });

  it('is write-only for admins: integrators get 403, unknown watches 404, bad bodies name the field', async () => {
    const w = await createWatch();
    expect((await f.app.inject({ method: 'PUT', url: `/v1/watches/${w.id}/credentials`, headers: bearer(f.integratorKey), payload: { a: 'b' } })).statusCode).toBe(403);
    expect((await f.app.inject({ method: 'PUT', url: '/v1/watches/00000000-0000-4000-8000-000000000000/credentials', headers: bearer(f.adminKey), payload: { a: 'b' } })).statusCode).toBe(404);
    const bad = await f.app.inject({ method: 'POST', url: `/v1/watches/${w.id}/session`, headers: bearer(f.adminKey), payload: { sessionId: 'short' } });
    expect(bad.json<Problem>().errors![0]!.field).toBe('body.sessionId');
    const notString = await f.app.inject({ method: 'PUT', url: `/v1/watches/${w.id}/credentials`, headers: bearer(f.adminKey), payload: { token: { nested: true } } });
    expect(notString.json<Problem>().errors![0]!.field).toBe('body.token');
  });
});

describe('GET /v1/providers', () => {
  it('lists each provider with its floor and target schema', async () => {
    const res = await f.app.inject({ url: '/v1/providers', headers: bearer(f.integratorKey) });
    expect(res.statusCode).toBe(200);
    const troov = res.json<{ items: { id: string; minIntervalSeconds: number; targetSchema: { properties: Record<string, unknown> } }[]; next: null }>().items.find((p) => p.id === 'troov');
    expect(troov?.minIntervalSeconds).toBeGreaterThan(0);
    expect(Object.keys(troov!.targetSchema.properties)).toEqual(expect.arrayContaining(['teamId', 'serviceId', 'serviceName']));
    expect((await f.app.inject({ url: '/v1/providers' })).statusCode).toBe(401);
  });
});
