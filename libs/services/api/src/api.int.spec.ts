import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, migrate, SecretBox, type Db } from '@slotwatch/db';
import { createTestInfra, type TestInfra } from '@slotwatch/testing';
import { buildApp } from './app';
import { createApiKey, ensureBootstrapKey } from './keys.repository';

let infra: TestInfra;
let db: Db;
let app: FastifyInstance;
const adminKey = `admin-${randomBytes(16).toString('hex')}`;
let integratorKey: string;

const target = { teamId: '61f924e90b0582a933ff3e7c', serviceId: '623e3c5319ec2e40dcf76397', serviceName: 'Demande de passeport/CNI' };

beforeAll(async () => {
  infra = await createTestInfra('api');
  db = createDb(infra.databaseUrl, { max: 4 });
  await migrate(db);
  await ensureBootstrapKey(db, adminKey);
  integratorKey = (await createApiKey(db, { name: 'partner', role: 'integrator' })).key;
  app = await buildApp({ db, secrets: new SecretBox(randomBytes(32)), registry: new Registry(), log: pino({ level: 'silent' }), isReady: () => true, webhookAllowPrivate: false });
});
afterAll(async () => {
  await app?.close();
  await db?.end();
  await infra?.cleanup();
});

const as = (key: string) => ({ authorization: `Bearer ${key}` });

describe('POST /v1/watches', () => {
  it('creates a watch for an admin and answers 201 with its id', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/watches', headers: as(adminKey), payload: { provider: 'troov', name: 'Montréal passport', intervalSeconds: 300, target } });
    expect(res.statusCode).toBe(201);
    const body = res.json<{ id: string; visibility: string; health: { state: string } }>();
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.visibility).toBe('public');
    expect(body.health.state).toBe('unknown');
    const read = await app.inject({ url: `/v1/watches/${body.id}`, headers: as(integratorKey) });
    expect(read.statusCode).toBe(200);
  });

  it('refuses an interval below the provider floor, naming the floor', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/watches', headers: as(adminKey), payload: { provider: 'troov', name: 'too fast', intervalSeconds: 5, target } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json<{ detail: string; errors: { field: string }[] }>()).toMatchObject({ errors: [{ field: 'intervalSeconds' }] });
    expect(res.json<{ detail: string }>().detail).toMatch(/floor of \d+ seconds/);
  });

  it('names the missing target field', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/watches', headers: as(adminKey), payload: { provider: 'troov', name: 'x', intervalSeconds: 300, target: { teamId: target.teamId } } });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ errors: { field: string }[] }>().errors[0]?.field).toMatch(/^target\.(serviceId|serviceName)$/);
  });

  it('names an unknown provider and lists the known ones', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/watches', headers: as(adminKey), payload: { provider: 'doctolib', name: 'x', intervalSeconds: 300, target: {} } });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ detail: string }>().detail).toContain('known providers: troov');
  });

  it('names each bad body field', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/watches', headers: as(adminKey), payload: { provider: 'troov', intervalSeconds: 'often' } });
    expect(res.statusCode).toBe(400);
    const fields = res.json<{ errors: { field: string }[] }>().errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body.name', 'body.intervalSeconds', 'body.target']));
  });

  it('answers 401 without a key and 403 for an integrator', async () => {
    const payload = { provider: 'troov', name: 'x', intervalSeconds: 300, target };
    expect((await app.inject({ method: 'POST', url: '/v1/watches', payload })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/v1/watches', headers: as('sw_nope'), payload })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/v1/watches', headers: as(integratorKey), payload })).statusCode).toBe(403);
  });
});

describe('POST /v1/webhooks', () => {
  it('returns a whsec_ secret once and stores it sealed', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: as(integratorKey), payload: { url: 'https://hooks.example.com/slots' } });
    expect(res.statusCode).toBe(201);
    const { id, secret } = res.json<{ id: string; secret: string }>();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const [row] = await db<{ secret_sealed: string }[]>`SELECT secret_sealed FROM webhooks WHERE id = ${id}`;
    expect(row!.secret_sealed).not.toContain(secret.slice(6));
    const list = await app.inject({ url: '/v1/webhooks', headers: as(integratorKey) });
    expect(JSON.stringify(list.json())).not.toContain(secret);
  });

  it.each(['http://127.0.0.1:9/hook', 'http://10.0.0.5/hook', 'http://169.254.169.254/latest/meta-data'])('refuses a private or metadata target %s', async (url) => {
    const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: as(integratorKey), payload: { url } });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe('url');
  });

  it('shows an integrator only its own webhooks', async () => {
    const other = (await createApiKey(db, { name: 'other', role: 'integrator' })).key;
    await app.inject({ method: 'POST', url: '/v1/webhooks', headers: as(other), payload: { url: 'https://other.example.com/x' } });
    const mine = await app.inject({ url: '/v1/webhooks', headers: as(integratorKey) });
    expect(mine.json<{ items: { url: string }[] }>().items.map((w) => w.url)).not.toContain('https://other.example.com/x');
  });
});

describe('health', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });
});
