import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '@slotwatch/config';
import type { TestInfra } from './infra';

/** A config for a test: its own database and prefix, API on a free port, fast ticks, quiet logs. */
export function testConfig(infra: TestInfra, overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({}),
    databaseUrl: infra.databaseUrl,
    natsUrl: infra.natsUrl,
    prefix: infra.naming.prefix,
    host: '127.0.0.1',
    port: 0,
    secretKey: randomBytes(32),
    adminKey: `admin-${randomBytes(16).toString('hex')}`,
    webhookAllowPrivate: true,
    schedulerTickMs: 100,
    // Fake upstreams on loopback: no politeness pacing needed.
    troovBudget: { calls: 100_000, perSeconds: 60 },
    troovMinGapMs: 0,
    logLevel: 'silent',
    shutdownGraceMs: 5000,
    ...overrides,
  };
}
