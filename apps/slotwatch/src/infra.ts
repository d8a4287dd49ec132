import type { Config } from '@slotwatch/config';
import { localSecretKey, startEmbeddedNats, startEmbeddedPostgres, type EmbeddedHandle } from '@slotwatch/runtime';
import type { Logger } from 'pino';

export interface Infra {
  config: Config;
  embedded: { postgres?: EmbeddedHandle; nats?: EmbeddedHandle };
  stop(): Promise<void>;
}

/**
 * One-process defaults: an embedded PostgreSQL when DATABASE_URL is unset, a nats-server child
 * when NATS_URL is unset, a generated secret key when SLOTWATCH_SECRET_KEY is unset — all kept
 * under SLOTWATCH_HOME so data survives restarts.
 */
export async function provideInfra(config: Config, log: Logger, need: { nats: boolean } = { nats: true }): Promise<Infra> {
  const embedded: Infra['embedded'] = {};
  const stops: Array<() => Promise<void>> = [];
  try {
    if (!config.databaseUrl) {
      embedded.postgres = await startEmbeddedPostgres(config.home, log);
      stops.push(embedded.postgres.stop);
    }
    if (!config.natsUrl && need.nats) {
      embedded.nats = await startEmbeddedNats(config.home, config.natsServerBin, log);
      stops.push(embedded.nats.stop);
    }
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
  return {
    config: {
      ...config,
      databaseUrl: config.databaseUrl ?? embedded.postgres?.url,
      natsUrl: config.natsUrl ?? embedded.nats?.url,
      secretKey: config.secretKey ?? localSecretKey(config.home),
    },
    embedded,
    async stop() {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    },
  };
}
