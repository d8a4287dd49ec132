import type { RunningService, ServiceContext, ServiceModule } from '@slotwatch/runtime';
import { buildApp } from './app';
import { ensureBootstrapKey } from './keys.repository';

/** The HTTP API; listens last (the runner starts it after every other service is ready). */
export const apiService: ServiceModule = {
  name: 'api',
  async start(ctx: ServiceContext): Promise<RunningService> {
    const { config, db } = ctx;
    if (config.adminKey) await ensureBootstrapKey(db, config.adminKey);
    const app = await buildApp({
      db, secrets: ctx.secrets, registry: ctx.metrics.registry, log: ctx.log, isReady: ctx.isReady, webhookAllowPrivate: config.webhookAllowPrivate,
      minIntervalOverride: config.minIntervalOverride, publicUrl: config.publicUrl,
    });
    const address = await app.listen({ host: config.host, port: config.port });
    const port = new URL(address).port;
    return {
      address: () => `http://127.0.0.1:${port}`,
      async stop() {
        await app.close();
      },
    };
  },
};
