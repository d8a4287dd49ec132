import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '@slotwatch/channel-webhook/testing';
import { startFakeTroov, type FakeTroov } from '@slotwatch/provider-troov/testing';
import { freePort } from '@slotwatch/runtime';
import { createTestInfra, waitFor, type TestInfra } from '@slotwatch/testing';
import { montrealPassport } from './e2e.fixtures';

/** SIGTERM while checks run and webhooks are being delivered to a slow receiver. */
let infra: TestInfra;
let fake: FakeTroov;
let receiver: WebhookReceiver;
let child: ChildProcess | undefined;
const adminKey = `admin-${randomBytes(16).toString('hex')}`;

beforeAll(async () => {
  infra = await createTestInfra('shutdown');
  fake = await startFakeTroov();
  receiver = await startWebhookReceiver({ secret: 'whsec_' + Buffer.alloc(32).toString('base64'), mode: { mode: 'slow', delayMs: 1500 } });
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await receiver?.close();
  await fake?.close();
  await infra?.cleanup();
});

describe('slotwatch run under SIGTERM', () => {
  it('exits 0 within 10 s with nothing half-done while deliveries are in flight', { timeout: 90_000 }, async () => {
    const port = await freePort();
    const api = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['--import', 'tsx', 'apps/slotwatch/src/main.ts', 'run'], {
      env: {
        ...process.env,
        DATABASE_URL: infra.databaseUrl,
        NATS_URL: infra.natsUrl,
        SLOTWATCH_PREFIX: infra.naming.prefix,
        PORT: String(port),
        HOST: '127.0.0.1',
        SLOTWATCH_ADMIN_KEY: adminKey,
        SLOTWATCH_SECRET_KEY: randomBytes(32).toString('base64'),
        SLOTWATCH_WEBHOOK_ALLOW_PRIVATE: 'true',
        SLOTWATCH_MIN_INTERVAL_S: '1',
        SLOTWATCH_TROOV_BUDGET: '100000/60',
        SLOTWATCH_TROOV_MIN_GAP_MS: '0',
        SLOTWATCH_SCHEDULER_TICK_MS: '100',
        SHUTDOWN_GRACE_MS: '8000',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    await waitFor('/readyz', async () => (await fetch(`${api}/readyz`).catch(() => undefined))?.ok, 45_000, 200);

    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${api}${path}`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string };
    };
    await post('/v1/watches', {
      provider: 'troov', name: 'Montréal passport', intervalSeconds: 1,
      target: montrealPassport(fake),
    });
    await post('/v1/webhooks', { url: `${receiver.url}/slots` });
    fake.control.openAll();

    // Traffic: deliveries are being sent to a receiver that takes 1.5 s per request.
    await waitFor('deliveries in flight', () => receiver.received().length >= 1, 30_000);
    const started = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child!.once('exit', (c) => resolve(c)));
    const tookMs = Date.now() - started;
    child = undefined;

    expect(code, output).toBe(0);
    expect(tookMs).toBeLessThan(10_000);

    const sql = postgres(infra.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      // Every claimed attempt was recorded: no delivery is left leased without its attempt row.
      const halfDone = await sql`
        SELECT d.id FROM deliveries d
        WHERE d.attempts <> (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.id)`;
      expect(halfDone).toHaveLength(0);
      const [events] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM slot_events`;
      expect(events!.n).toBeGreaterThan(0);
    } finally {
      await sql.end();
    }
  });
});
