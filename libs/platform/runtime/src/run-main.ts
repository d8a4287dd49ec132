import { ConfigError, loadConfig } from '@slotwatch/config';
import { runServices } from './run-services';
import type { ServiceModule } from './service';

/**
 * The whole of a split service's main.ts: read the config, run the services, exit non-zero with a
 * readable message when start-up fails. Split services need DATABASE_URL and NATS_URL.
 */
export function runMain(modules: ServiceModule[], name: string): void {
  (async () => {
    const config = loadConfig();
    const missing = [!config.databaseUrl && 'DATABASE_URL', !config.natsUrl && 'NATS_URL', !config.secretKey && 'SLOTWATCH_SECRET_KEY'].filter(Boolean);
    if (missing.length) {
      throw new ConfigError(missing.map((v) => `${v} is required when services run one per process (only \`slotwatch run\` has embedded defaults)`));
    }
    await runServices(modules, config, { name: `slotwatch-${name}`, handleSignals: true });
  })().catch((error: unknown) => {
    process.stderr.write(`${error instanceof ConfigError ? error.message : `slotwatch-${name} failed to start: ${error instanceof Error ? error.message : String(error)}`}\n`);
    process.exit(1);
  });
}
