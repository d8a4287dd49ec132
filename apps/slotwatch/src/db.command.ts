import type { Config } from '@slotwatch/config';
import { createDb, migrate, SecretBox, type Db } from '@slotwatch/db';
import { createLogger } from '@slotwatch/telemetry';
import { provideInfra } from './infra';

/** Runs `fn` with a migrated database (embedded when DATABASE_URL is unset), then closes everything. */
export async function withDb<T>(config: Config, fn: (db: Db, secrets: SecretBox) => Promise<T>, options: { migrate?: boolean } = {}): Promise<T> {
  const log = createLogger({ level: 'warn', name: 'slotwatch' });
  const infra = await provideInfra(config, log, { nats: false });
  const db = createDb(infra.config.databaseUrl!, { max: 2, applicationName: 'slotwatch-cli' });
  try {
    if (options.migrate !== false) await migrate(db);
    return await fn(db, new SecretBox(infra.config.secretKey!));
  } finally {
    await db.end({ timeout: 5 });
    await infra.stop();
  }
}
