import type { Config } from '@slotwatch/config';
import { runServices, type Running } from '@slotwatch/runtime';
import { createLogger, type Logger } from '@slotwatch/telemetry';
import { provideInfra } from './infra';
import { pickServices } from './services';

export interface StartOptions {
  services?: string;
  handleSignals?: boolean;
  log?: Logger;
}

/** `slotwatch run`: every service (or `--services`) in this process, on embedded infra by default. */
export async function startSlotwatch(config: Config, options: StartOptions = {}): Promise<Running> {
  const modules = pickServices(options.services);
  const log = options.log ?? createLogger({ level: config.logLevel, name: 'slotwatch' });
  const infra = await provideInfra(config, log);
  const where = {
    postgres: infra.embedded.postgres ? `embedded, data in ${infra.embedded.postgres.where}` : 'DATABASE_URL',
    nats: infra.embedded.nats ? `embedded ${infra.embedded.nats.url}, store in ${infra.embedded.nats.where}` : 'NATS_URL',
  };
  log.info(where, 'infrastructure');
  try {
    return await runServices(modules, infra.config, { name: 'slotwatch', handleSignals: options.handleSignals, log, afterStop: infra.stop });
  } catch (error) {
    await infra.stop();
    throw error;
  }
}
