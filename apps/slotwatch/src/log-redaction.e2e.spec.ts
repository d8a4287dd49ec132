import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '@slotwatch/channel-webhook/testing';
import type { Config } from '@slotwatch/config';
import { startFakeTroov, type FakeTroov } from '@slotwatch/provider-troov/testing';
import type { Running } from '@slotwatch/runtime';
import { createLogger } from '@slotwatch/telemetry';
import { createTestInfra, sleep, testConfig, waitFor, type TestInfra } from '@slotwatch/testing';
import { montrealPassport, MONTREAL_SERVICE_ID } from './e2e.fixtures';
import { startSlotwatch } from './run.command';

/**
 * A whole run at log level trace, with secrets planted wherever an operator or integrator hands
 * them over (admin key, webhook secret, TROOV session credential, the operator's email): the
 * production logger must never write any of them.
 */
let infra: TestInfra;
let config: Config;
let fake: FakeTroov;
let receiver: WebhookReceiver;
let main: Running | undefined;
let api: string;
const lines: string[] = [];

const planted = {
  adminKey: `admin-planted-${randomBytes(12).toString('hex')}`,
  wrongKey: `sw_planted${randomBytes(18).toString('base64url')}`,
  troovSession: `troov-session-planted-${randomBytes(12).toString('hex')}`,
  email: `planted.operator.${randomBytes(4).toString('hex')}@example.org`,
  webhookSecret: '', // handed out by the API below
};

async function call(method: string, path: string, body?: unknown, key = planted.adminKey): Promise<Response> {
  return fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

beforeAll(async () => {
  infra = await createTestInfra('redaction');
  config = testConfig(infra, { minIntervalOverride: 1, adminKey: planted.adminKey, contact: planted.email, logLevel: 'trace' });
  fake = await startFakeTroov();
  receiver = await startWebhookReceiver({ secret: 'whsec_' + Buffer.alloc(32).toString('base64') });
  const memory = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  main = await startSlotwatch(config, { log: createLogger({ level: 'trace', name: 'slotwatch', destination: memory }) });
  api = main.url!;
}, 60_000);

afterAll(async () => {
  await main?.stop();
  await receiver?.close();
  await fake?.close();
  await infra?.cleanup();
});

describe('logs of a whole run', () => {
  it('carry trace ids and none of the planted secrets, tokens or email addresses', { timeout: 60_000 }, async () => {
    const watch = await call('POST', '/v1/watches', {
      provider: 'troov',
      name: 'Montréal passport',
      intervalSeconds: 1,
      target: montrealPassport(fake),
    });
    expect(watch.status).toBe(201);
    const watchId = ((await watch.json()) as { id: string }).id;
    expect((await call('PUT', `/v1/watches/${watchId}/credentials`, { sessionId: planted.troovSession })).status).toBe(204);
    const hook = await call('POST', '/v1/webhooks', { url: `${receiver.url}/slots` });
    expect(hook.status).toBe(201);
    planted.webhookSecret = ((await hook.json()) as { secret: string }).secret;
    receiver.setSecret(planted.webhookSecret);
    expect((await call('GET', '/v1/watches', undefined, planted.wrongKey)).status).toBe(401);

    // A slot opens and is delivered, signed with the secret; then the upstream fails for a while.
    const [slot] = fake.control.bookableSlots(MONTREAL_SERVICE_ID);
    fake.control.openSlot(slot!.day, slot!.time);
    await waitFor('the signed webhook', () => receiver.received().some((w) => w.verified), 20_000);
    fake.control.setFailure({ endpoint: 'any', status: 500 });
    await sleep(2500);
    fake.control.setFailure(null);
    await main!.stop();
    main = undefined;

    const text = lines.join('\n');
    // Something was logged to redact: API requests, a check's lines with their trace ids.
    expect(lines.some((l) => l.includes('"msg":"incoming request"'))).toBe(true);
    expect(lines.some((l) => /"trace_id":"[0-9a-f]{32}","span_id":"[0-9a-f]{16}"/.test(l))).toBe(true);
    expect(planted.webhookSecret).toMatch(/^whsec_/);
    for (const [what, secret] of Object.entries({ ...planted, webhookSecretBody: planted.webhookSecret.slice(6) })) {
      expect(text.includes(secret), `${what} appears in the logs`).toBe(false);
    }
  });
});
