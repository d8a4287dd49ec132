import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createDb, migrate, SecretBox, type Db } from '@slotwatch/db';
import { createTestInfra, type TestInfra } from '@slotwatch/testing';
import { buildApp, type AppDeps } from './app';
import { createApiKey, ensureBootstrapKey } from './keys.repository';

/** One test file's API: its own database, an admin key and two integrator keys. */
export interface ApiFixture {
  infra: TestInfra;
  db: Db;
  secrets: SecretBox;
  app: FastifyInstance;
  adminKey: string;
  integratorKey: string;
  integratorId: string;
  otherKey: string;
  otherId: string;
  /** Another app on the same database with other settings (closed with the fixture). */
  extraApp(overrides: Partial<AppDeps>): Promise<FastifyInstance>;
  close(): Promise<void>;
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

export const troovTarget = { teamId: '61f924e90b0582a933ff3e7c', serviceId: '623e3c5319ec2e40dcf76397', serviceName: 'Demande de passeport/CNI' };

export async function startApiFixture(label: string, overrides: Partial<AppDeps> = {}): Promise<ApiFixture> {
  const infra = await createTestInfra(label);
  const db = createDb(infra.databaseUrl, { max: 6 });
  await migrate(db);
  const adminKey = `admin-${randomBytes(16).toString('hex')}`;
  await ensureBootstrapKey(db, adminKey);
  const integrator = await createApiKey(db, { name: 'partner', role: 'integrator' });
  const other = await createApiKey(db, { name: 'other partner', role: 'integrator' });
  const secrets = new SecretBox(randomBytes(32));
  const base: AppDeps = {
    db, secrets, registry: new Registry(), log: pino({ level: 'silent' }), isReady: () => true, webhookAllowPrivate: false,
    publicUrl: 'https://slots.example.org', ...overrides,
  };
  const apps: FastifyInstance[] = [];
  const make = async (o: Partial<AppDeps>) => {
    const app = await buildApp({ ...base, registry: new Registry(), ...o });
    apps.push(app);
    return app;
  };
  const app = await make({});
  return {
    infra, db, secrets, app, adminKey,
    integratorKey: integrator.key, integratorId: integrator.id, otherKey: other.key, otherId: other.id,
    extraApp: make,
    async close() {
      for (const a of apps) await a.close();
      await db.end();
      await infra.cleanup();
    },
  };
}

/** A watch row written straight to the database (any provider, any owner). */
export async function insertWatchRow(
  db: Db, w: { provider?: string; name?: string; visibility?: 'public' | 'private'; owner?: string | null; target?: Record<string, unknown>; intervalS?: number } = {},
): Promise<string> {
  const [row] = await db<{ id: string }[]>`
    INSERT INTO watches (provider, name, target, interval_s, visibility, owner)
    VALUES (${w.provider ?? 'troov'}, ${w.name ?? `watch ${randomUUID().slice(0, 8)}`}, ${db.json((w.target ?? { ...troovTarget, timezone: 'America/Montreal' }) as never)},
            ${w.intervalS ?? 300}, ${w.visibility ?? 'public'}, ${w.owner ?? null})
    RETURNING id`;
  return row!.id;
}

/**
 * What the differ writes when a slot opens or closes (slot row, event, health), written here so
 * the api's reads can be tested without running the pipeline. Returns the event's seq.
 */
export async function writeSlotEvent(
  db: Db, watchId: string, kind: 'slot.opened' | 'slot.closed', slot: { key: string; startsAt: string }, options: { notify?: boolean; name?: string } = {},
): Promise<{ seq: number; id: string }> {
  const id = randomUUID();
  const at = new Date();
  return db.begin(async (tx) => {
    const [w] = await tx<{ name: string; provider: string; visibility: 'public' | 'private' }[]>`SELECT name, provider, visibility FROM watches WHERE id = ${watchId}`;
    await tx`
      INSERT INTO slots (watch_id, slot_key, starts_at, starts_local, scope_key, attributes, first_seen, last_seen, closed_at)
      VALUES (${watchId}, ${slot.key}, ${slot.startsAt}::timestamptz, ${slot.startsAt}, ${slot.startsAt.slice(0, 10)}, '{}', ${at}, ${at}, ${kind === 'slot.closed' ? at : null})
      ON CONFLICT (watch_id, slot_key) DO UPDATE SET closed_at = excluded.closed_at, last_seen = excluded.last_seen`;
    const payload = {
      v: 1, eventId: id, seq: 0, type: kind, at: at.toISOString(), watch: { id: watchId, name: w!.name, provider: w!.provider }, visibility: w!.visibility,
      slot: { key: slot.key, startsAt: slot.startsAt, attributes: {}, firstSeenAt: at.toISOString() }, observedAt: at.toISOString(), checkId: `check-${id}`,
    };
    const [row] = await tx<{ seq: string }[]>`
      INSERT INTO slot_events (id, watch_id, kind, slot_key, payload, check_id, at)
      VALUES (${id}, ${watchId}, ${kind}, ${slot.key}, ${tx.json(payload as never)}, ${payload.checkId}, ${at}) RETURNING seq`;
    await tx`
      INSERT INTO watch_health (watch_id, state, last_status, last_attempt_at, last_success_at, last_observed_at, open_slots)
      VALUES (${watchId}, 'none', 'ok', ${at}, ${at}, ${at}, 0)
      ON CONFLICT (watch_id) DO UPDATE SET last_status = 'ok', last_attempt_at = ${at}, last_success_at = ${at}`;
    await tx`
      UPDATE watch_health SET
        open_slots = (SELECT count(*) FROM slots WHERE watch_id = ${watchId} AND closed_at IS NULL),
        state = CASE WHEN (SELECT count(*) FROM slots WHERE watch_id = ${watchId} AND closed_at IS NULL) > 0 THEN 'available' ELSE 'none' END
      WHERE watch_id = ${watchId}`;
    if (options.notify !== false) await tx`SELECT pg_notify('slotwatch_outbox', '')`;
    return { seq: Number(row!.seq), id };
  });
}

/** Follows `next` from the first page to the last; answers every item and the pages' sizes. */
export async function walkPages<T>(app: FastifyInstance, path: string, headers: Record<string, string>): Promise<{ items: T[]; sizes: number[] }> {
  const items: T[] = [];
  const sizes: number[] = [];
  let after: string | null = null;
  do {
    const url: string = `${path}${path.includes('?') ? '&' : '?'}${after ? `after=${encodeURIComponent(after)}` : ''}`;
    const res = await app.inject({ url, headers });
    if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}: ${res.body}`);
    const page: { items: T[]; next: string | null } = res.json();
    items.push(...page.items);
    sizes.push(page.items.length);
    after = page.next;
  } while (after);
  return { items, sizes };
}
