import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startApiFixture, walkPages, type ApiFixture } from './testing';

let f: ApiFixture;
beforeAll(async () => {
  f = await startApiFixture('api_keys');
});
afterAll(async () => f?.close());

interface Problem { status: number; detail: string; errors?: { field: string }[] }

describe('POST /v1/api-keys', () => {
  it('shows a new key once, stores only its hash, and the key works at once', async () => {
    const res = await f.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(f.adminKey), payload: { role: 'integrator', name: 'ci' } });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const { id, key } = res.json<{ id: string; key: string }>();
    expect(key).toMatch(/^sw_[A-Za-z0-9_-]{32}$/);
    const rows = await f.db<{ hash: string; prefix: string }[]>`SELECT hash, prefix FROM api_keys`;
    expect(rows.some((r) => r.hash.includes(key) || JSON.stringify(r).includes(key))).toBe(false);
    expect(rows.find((r) => r.prefix === key.slice(0, 11))).toBeTruthy();

    const list = await f.app.inject({ url: '/v1/api-keys?limit=500', headers: bearer(f.adminKey) });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(key);
    const listed = list.json<{ items: { id: string; prefix: string; role: string; lastUsedAt: string | null }[] }>().items.find((k) => k.id === id);
    expect(listed).toMatchObject({ role: 'integrator', prefix: key.slice(0, 11), lastUsedAt: null });

    expect((await f.app.inject({ url: '/v1/watches', headers: bearer(key) })).statusCode).toBe(200);
  });

  it('names each bad field', async () => {
    const res = await f.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(f.adminKey), payload: { role: 'root', extra: 1 } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const fields = res.json<Problem>().errors!.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body.role', 'body.name', 'body.extra']));
  });

  it('answers 401 without a key, 401 with an unknown one and 403 for an integrator', async () => {
    const payload = { role: 'admin', name: 'escalate' };
    const none = await f.app.inject({ method: 'POST', url: '/v1/api-keys', payload });
    expect(none.statusCode).toBe(401);
    expect(none.json<Problem>().detail).toContain('Authorization: Bearer');
    expect((await f.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer('sw_nope'), payload })).statusCode).toBe(401);
    expect((await f.app.inject({ method: 'POST', url: '/v1/api-keys', headers: { authorization: 'Basic abc' }, payload })).statusCode).toBe(401);
    expect((await f.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(f.integratorKey), payload })).statusCode).toBe(403);
    expect((await f.app.inject({ url: '/v1/api-keys', headers: bearer(f.integratorKey) })).statusCode).toBe(403);
  });
});

describe('DELETE /v1/api-keys/:id', () => {
  it('revokes a key: its next request gets 401 and the list shows revokedAt', async () => {
    const { id, key } = (await f.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(f.adminKey), payload: { role: 'integrator', name: 'short-lived' } })).json<{ id: string; key: string }>();
    expect((await f.app.inject({ url: '/v1/webhooks', headers: bearer(key) })).statusCode).toBe(200);
    expect((await f.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: bearer(f.integratorKey) })).statusCode).toBe(403);
    expect((await f.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: bearer(f.adminKey) })).statusCode).toBe(204);
    const after = await f.app.inject({ url: '/v1/webhooks', headers: bearer(key) });
    expect(after.statusCode).toBe(401);
    expect(after.json<Problem>().detail).toContain('revoked');
    expect((await f.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: bearer(f.adminKey) })).statusCode).toBe(404);
    const list = await f.app.inject({ url: '/v1/api-keys?limit=500', headers: bearer(f.adminKey) });
    expect(list.json<{ items: { id: string; revokedAt: string | null }[] }>().items.find((k) => k.id === id)?.revokedAt).toBeTruthy();
  });

  it('names a malformed id', async () => {
    const res = await f.app.inject({ method: 'DELETE', url: '/v1/api-keys/not-a-uuid', headers: bearer(f.adminKey) });
    expect(res.statusCode).toBe(400);
    expect(res.json<Problem>().errors![0]!.field).toBe('path.id');
  });
});

describe('GET /v1/api-keys pagination', () => {
  it('walks every key with after/next and no duplicates', async () => {
    for (let i = 0; i < 3; i++) await f.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(f.adminKey), payload: { role: 'integrator', name: `k${i}` } });
    const all = (await f.app.inject({ url: '/v1/api-keys?limit=500', headers: bearer(f.adminKey) })).json<{ items: { id: string }[]; next: string | null }>();
    expect(all.next).toBeNull();
    const walked = await walkPages<{ id: string }>(f.app, '/v1/api-keys?limit=2', bearer(f.adminKey));
    expect(Math.max(...walked.sizes)).toBe(2);
    const seen = walked.items.map((k) => k.id);
    expect(seen).toEqual(all.items.map((k) => k.id));
  });

  it('refuses a limit out of range, naming it', async () => {
    const res = await f.app.inject({ url: '/v1/api-keys?limit=0', headers: bearer(f.adminKey) });
    expect(res.statusCode).toBe(400);
    expect(res.json<Problem>().errors![0]!.field).toBe('query.limit');
  });
});
