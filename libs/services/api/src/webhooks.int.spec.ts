import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '@slotwatch/channel-webhook/testing';
import { bearer, insertWatchRow, startApiFixture, type ApiFixture } from './testing';

let f: ApiFixture;
let local: FastifyInstance; // allows loopback receivers, like a self-hosted install
let receiver: WebhookReceiver;

beforeAll(async () => {
  f = await startApiFixture('api_webhooks');
  local = await f.extraApp({ webhookAllowPrivate: true });
  receiver = await startWebhookReceiver({ secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}` });
});
afterAll(async () => {
  await receiver?.close();
  await f?.close();
});

interface Problem { status: number; detail: string; errors?: { field: string }[] }
interface Hook { id: string; url: string; secret: string; filter: Record<string, unknown>; previousSecretExpiresAt: string | null }

const register = async (key: string, url = 'https://hooks.example.com/slots', app = f.app) => {
  const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: bearer(key), payload: { url } });
  expect(res.statusCode).toBe(201);
  return res.json<Hook>();
};

/** A delivery of a fresh event to `webhookId`, as the notifier writes it, with one failed attempt. */
async function insertDelivery(webhookId: string, status: 'delivered' | 'failed' | 'pending', eventAt = new Date()): Promise<string> {
  const watchId = await insertWatchRow(f.db);
  const eventId = randomUUID();
  await f.db`INSERT INTO notifier_events (event_id, watch_id, event_at, body) VALUES (${eventId}, ${watchId}, ${eventAt}, '{"type":"slot.opened"}')`;
  const [d] = await f.db<{ id: string }[]>`
    INSERT INTO deliveries (event_id, channel, subscription_id, status, attempts, last_status, last_error)
    VALUES (${eventId}, 'webhook', ${webhookId}, ${status}, 1, 500, '500 Internal Server Error') RETURNING id`;
  await f.db`INSERT INTO delivery_attempts (delivery_id, outcome, status, duration_ms, error) VALUES (${d!.id}, 'retry', 500, 12, '500 Internal Server Error')`;
  return String(d!.id);
}

describe('webhooks CRUD', () => {
  it('reads, changes and deletes an own webhook', async () => {
    const hook = await register(f.integratorKey);
    const read = await f.app.inject({ url: `/v1/webhooks/${hook.id}`, headers: bearer(f.integratorKey) });
    expect(read.statusCode).toBe(200);
    expect(read.body).not.toContain(hook.secret);
    const patched = await f.app.inject({ method: 'PATCH', url: `/v1/webhooks/${hook.id}`, headers: bearer(f.integratorKey), payload: { filter: { types: ['slot.opened'] } } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json<Hook>().filter).toEqual({ types: ['slot.opened'] });
    const badUrl = await f.app.inject({ method: 'PATCH', url: `/v1/webhooks/${hook.id}`, headers: bearer(f.integratorKey), payload: { url: 'http://169.254.169.254/latest' } });
    expect(badUrl.json<Problem>().errors![0]!.field).toBe('url');
    expect((await f.app.inject({ method: 'DELETE', url: `/v1/webhooks/${hook.id}`, headers: bearer(f.integratorKey) })).statusCode).toBe(204);
    expect((await f.app.inject({ url: `/v1/webhooks/${hook.id}`, headers: bearer(f.integratorKey) })).statusCode).toBe(404);
  });

  it("answers 404 for every route on another integrator's webhook, and changes nothing", async () => {
    const theirs = await register(f.otherKey, 'https://other.example.com/hook');
    const deliveryId = await insertDelivery(theirs.id, 'failed');
    const me = bearer(f.integratorKey);
    const calls = [
      { method: 'GET' as const, url: `/v1/webhooks/${theirs.id}` },
      { method: 'PATCH' as const, url: `/v1/webhooks/${theirs.id}`, payload: { url: 'https://evil.example.com/x' } },
      { method: 'DELETE' as const, url: `/v1/webhooks/${theirs.id}` },
      { method: 'POST' as const, url: `/v1/webhooks/${theirs.id}/rotate-secret`, payload: {} },
      { method: 'POST' as const, url: `/v1/webhooks/${theirs.id}/test` },
      { method: 'GET' as const, url: `/v1/webhooks/${theirs.id}/deliveries` },
      { method: 'POST' as const, url: `/v1/webhooks/${theirs.id}/replay`, payload: { since: new Date(Date.now() - 3600_000).toISOString() } },
      { method: 'POST' as const, url: `/v1/deliveries/${deliveryId}/replay` },
    ];
    const unknown = await f.app.inject({ url: `/v1/webhooks/${randomUUID()}`, headers: me });
    for (const call of calls) {
      const res = await f.app.inject({ ...call, headers: me });
      expect(res.statusCode, `${call.method} ${call.url}`).toBe(404);
      // The same answer as for an id that does not exist at all, apart from the id itself.
      expect(Object.keys(res.json<Problem>()).sort()).toEqual(Object.keys(unknown.json<Problem>()).sort());
    }
    const [row] = await f.db<{ url: string; deleted_at: Date | null }[]>`SELECT url, deleted_at FROM webhooks WHERE id = ${theirs.id}`;
    expect(row).toMatchObject({ url: 'https://other.example.com/hook', deleted_at: null });
    const [d] = await f.db<{ status: string }[]>`SELECT status FROM deliveries WHERE id = ${deliveryId}`;
    expect(d!.status).toBe('failed');
    // An admin sees it.
    expect((await f.app.inject({ url: `/v1/webhooks/${theirs.id}`, headers: bearer(f.adminKey) })).statusCode).toBe(200);
  });

  it('pages through webhooks', async () => {
    for (let i = 0; i < 3; i++) await register(f.integratorKey, `https://hooks.example.com/p${i}`);
    const first = (await f.app.inject({ url: '/v1/webhooks?limit=2', headers: bearer(f.integratorKey) })).json<{ items: Hook[]; next: string | null }>();
    expect(first.items).toHaveLength(2);
    expect(first.next).toBeTruthy();
    const second = (await f.app.inject({ url: `/v1/webhooks?limit=2&after=${first.next}`, headers: bearer(f.integratorKey) })).json<{ items: Hook[] }>();
    expect(second.items.map((h) => h.id)).not.toContain(first.items[0]!.id);
  });

  it('names each bad field of a new webhook', async () => {
    const res = await f.app.inject({ method: 'POST', url: '/v1/webhooks', headers: bearer(f.integratorKey), payload: { url: 3, filter: { types: ['slot.moved'], owner: 'x' } } });
    expect(res.statusCode).toBe(400);
    expect(res.json<Problem>().errors!.map((e) => e.field)).toEqual(expect.arrayContaining(['body.url', 'body.filter.types.0', 'body.filter.owner']));
  });
});

describe('POST /v1/webhooks/:id/rotate-secret and /test', () => {
  it('rotates the secret and signs with both during the overlap', async () => {
    const hook = await register(f.integratorKey, `${receiver.url}/rotate`, local);
    const rotated = await local.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/rotate-secret`, headers: bearer(f.integratorKey), payload: { overlapSeconds: 3600 } });
    expect(rotated.statusCode).toBe(200);
    const { secret, previousSecretExpiresAt } = rotated.json<{ secret: string; previousSecretExpiresAt: string }>();
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(hook.secret);
    expect(Date.parse(previousSecretExpiresAt) - Date.now()).toBeGreaterThan(3500_000);
    const [row] = await f.db<{ previous_secret_sealed: string }[]>`SELECT previous_secret_sealed FROM webhooks WHERE id = ${hook.id}`;
    expect(f.secrets.open(row!.previous_secret_sealed)).toBe(hook.secret);

    receiver.setSecret(hook.secret); // a receiver that has not switched yet still verifies
    const test = await local.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/test`, headers: bearer(f.integratorKey) });
    expect(test.statusCode).toBe(200);
    expect(test.json()).toMatchObject({ outcome: 'delivered', delivered: true, status: 200 });
    const got = await receiver.waitFor((w) => w.path === '/rotate', 5000);
    expect(got.verified).toBe(true);
    expect(() => new Webhook(secret).verify(got.rawBody, got.headers)).not.toThrow();
    expect(JSON.parse(got.rawBody)).toMatchObject({ type: 'webhook.test', data: { webhookId: hook.id } });
  });

  it('rotates with the default 24 h overlap when no body is sent', async () => {
    const hook = await register(f.integratorKey);
    const rotated = await f.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/rotate-secret`, headers: bearer(f.integratorKey) });
    expect(rotated.statusCode).toBe(200);
    const hours = (Date.parse(rotated.json<{ previousSecretExpiresAt: string }>().previousSecretExpiresAt) - Date.now()) / 3600_000;
    expect(Math.round(hours)).toBe(24);
    const bad = await f.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/rotate-secret`, headers: bearer(f.integratorKey), payload: { overlapSeconds: -1 } });
    expect(bad.json<Problem>().errors![0]!.field).toBe('body.overlapSeconds');
  });

  it('reports a failing receiver', async () => {
    const hook = await register(f.integratorKey, `${receiver.url}/failing`, local);
    receiver.failNext(1);
    receiver.setSecret(hook.secret);
    const test = await local.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/test`, headers: bearer(f.integratorKey) });
    expect(test.json()).toMatchObject({ delivered: false, outcome: 'retry', status: 500 });
  });
});

describe('deliveries and replay', () => {
  it('lists deliveries newest first with their attempts, page by page', async () => {
    const hook = await register(f.integratorKey);
    const ids = [await insertDelivery(hook.id, 'failed'), await insertDelivery(hook.id, 'delivered'), await insertDelivery(hook.id, 'failed')];
    const first = await f.app.inject({ url: `/v1/webhooks/${hook.id}/deliveries?limit=2`, headers: bearer(f.integratorKey) });
    expect(first.statusCode).toBe(200);
    const page = first.json<{ items: { id: string; status: string; attemptLog: { outcome: string; status: number }[] }[]; next: string }>();
    expect(page.items.map((d) => d.id)).toEqual([ids[2], ids[1]]);
    expect(page.items[0]!.attemptLog).toEqual([expect.objectContaining({ outcome: 'retry', status: 500 })]);
    const second = (await f.app.inject({ url: `/v1/webhooks/${hook.id}/deliveries?limit=2&after=${page.next}`, headers: bearer(f.integratorKey) })).json<{ items: { id: string }[]; next: null }>();
    expect(second.items.map((d) => d.id)).toEqual([ids[0]]);
    expect(second.next).toBeNull();
    const failed = (await f.app.inject({ url: `/v1/webhooks/${hook.id}/deliveries?status=failed`, headers: bearer(f.integratorKey) })).json<{ items: unknown[] }>();
    expect(failed.items).toHaveLength(2);
  });

  it('replays one delivery: pending, due now, fresh schedule, and the dispatcher is woken', async () => {
    const hook = await register(f.integratorKey);
    const id = await insertDelivery(hook.id, 'failed');
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const listener = await f.db.listen('slotwatch_deliveries', () => wake());
    const res = await f.app.inject({ method: 'POST', url: `/v1/deliveries/${id}/replay`, headers: bearer(f.integratorKey) });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ replayed: 1, inFlight: 0 });
    await woken;
    await listener.unlisten();
    const [row] = await f.db<{ status: string; attempts: number; due: boolean }[]>`SELECT status, attempts, next_attempt_at <= now() AS due FROM deliveries WHERE id = ${id}`;
    expect(row).toEqual({ status: 'pending', attempts: 0, due: true });
    expect((await f.app.inject({ method: 'POST', url: '/v1/deliveries/999999999/replay', headers: bearer(f.integratorKey) })).statusCode).toBe(404);
    expect((await f.app.inject({ method: 'POST', url: '/v1/deliveries/abc/replay', headers: bearer(f.integratorKey) })).json<Problem>().errors![0]!.field).toBe('path.id');
  });

  it('replays every delivery since a time, leaving older ones and in-flight ones alone', async () => {
    const hook = await register(f.integratorKey);
    const old = await insertDelivery(hook.id, 'failed', new Date(Date.now() - 5 * 3600_000));
    const recent = await insertDelivery(hook.id, 'delivered');
    const leased = await insertDelivery(hook.id, 'pending');
    await f.db`UPDATE deliveries SET locked_until = now() + interval '1 minute' WHERE id = ${leased}`;
    const res = await f.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/replay`, headers: bearer(f.integratorKey), payload: { since: new Date(Date.now() - 3600_000).toISOString() } });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ replayed: 1, inFlight: 1 });
    const rows = await f.db<{ id: string; status: string }[]>`SELECT id::text, status FROM deliveries WHERE id IN (${old}, ${recent}) ORDER BY id`;
    expect(rows).toEqual([{ id: old, status: 'failed' }, { id: recent, status: 'pending' }]);
  });

  it('refuses a replay range beyond retention, naming since', async () => {
    const hook = await register(f.integratorKey);
    const res = await f.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/replay`, headers: bearer(f.integratorKey), payload: { since: '2001-01-01T00:00:00Z' } });
    expect(res.statusCode).toBe(400);
    expect(res.json<Problem>().errors![0]!.field).toBe('body.since');
    const notDate = await f.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/replay`, headers: bearer(f.integratorKey), payload: { since: 'last tuesday' } });
    expect(notDate.json<Problem>().errors![0]!.field).toBe('body.since');
  });

  it('refuses to replay to a disabled webhook', async () => {
    const hook = await register(f.integratorKey);
    await f.db`INSERT INTO webhook_state (webhook_id, disabled_at, disabled_reason) VALUES (${hook.id}, now(), 'endpoint answered 410 Gone')`;
    const res = await f.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/replay`, headers: bearer(f.integratorKey), payload: { since: new Date().toISOString() } });
    expect(res.statusCode).toBe(409);
    expect(res.json<Problem>().detail).toContain('410');
  });
});
