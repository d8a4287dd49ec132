import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { streamName, streams, type Naming } from '@slotwatch/contracts';

/**
 * Real Postgres and NATS for integration and end-to-end tests: DATABASE_URL / NATS_URL when set
 * (CI: the machine's local servers), else containers from testcontainers (needs Docker).
 * Each caller gets its own database and its own subject/stream prefix, so test files run in parallel.
 */
export interface TestInfra {
  databaseUrl: string;
  natsUrl: string;
  naming: Naming;
  cleanup(): Promise<void>;
}

let containers: Promise<{ pg: string; nats: string }> | undefined;

async function baseUrls(): Promise<{ pg: string; nats: string }> {
  const pg = process.env.DATABASE_URL;
  const nats = process.env.NATS_URL;
  if (pg && nats) return { pg, nats };
  containers ??= (async () => {
    // Only reached without DATABASE_URL/NATS_URL: start throwaway containers (Docker required).
    const { GenericContainer, Wait } = await import('testcontainers');
    const pgC = await new GenericContainer('postgres:16-alpine')
      .withEnvironment({ POSTGRES_PASSWORD: 'postgres' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    const natsC = await new GenericContainer('nats:2.10-alpine').withCommand(['-js']).withExposedPorts(4222).start();
    return {
      pg: pg ?? `postgres://postgres:postgres@${pgC.getHost()}:${pgC.getMappedPort(5432)}/postgres`,
      nats: nats ?? `nats://${natsC.getHost()}:${natsC.getMappedPort(4222)}`,
    };
  })();
  return containers;
}

export async function createTestInfra(label = 'test'): Promise<TestInfra> {
  const base = await baseUrls();
  const suffix = randomBytes(4).toString('hex');
  const dbName = `sw_${label.replace(/\W/g, '_').toLowerCase()}_${suffix}`;
  const admin = postgres(base.pg, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const url = new URL(base.pg);
  url.pathname = `/${dbName}`;
  const naming: Naming = { prefix: `t${suffix}` };
  return {
    databaseUrl: url.toString(),
    natsUrl: base.nats,
    naming,
    async cleanup() {
      await deleteStreams(base.nats, naming).catch(() => undefined);
      const a = postgres(base.pg, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
      await a.end();
    },
  };
}

async function deleteStreams(natsUrl: string, naming: Naming): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    for (const key of Object.keys(streams) as (keyof typeof streams)[]) {
      await jsm.streams.delete(streamName(naming, key)).catch(() => undefined);
    }
  } finally {
    await nc.close();
  }
}
