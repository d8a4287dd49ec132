import { randomBytes } from 'node:crypto';
import type { Config } from '@slotwatch/config';
import { createDb, migrate, SecretBox } from '@slotwatch/db';
import { connectBus } from '@slotwatch/messaging';
import { createLogger, createMetrics, startTelemetry, type Logger } from '@slotwatch/telemetry';
import { startOpsServer } from './ops.server';
import type { RunningService, ServiceContext, ServiceModule } from './service';

export interface RunOptions {
  /** Name on logs and traces: the service, or `slotwatch` for one process. */
  name: string;
  /** Install SIGTERM/SIGINT handlers that stop the process (off in tests). */
  handleSignals?: boolean;
  /** Logger to use (tests pass one that captures). */
  log?: Logger;
  /** Run after everything else has closed (the embedded servers). */
  afterStop?: () => Promise<void>;
}

export interface Running {
  ctx: ServiceContext;
  services: Map<string, RunningService>;
  /** The API's address, or the ops server's. */
  url: string | undefined;
  stop(reason?: string): Promise<void>;
}

/**
 * Start order: config (given) → telemetry → Postgres (+ migrations) → NATS (+ streams) → services
 * (the api last, so it listens only when the rest takes work). Stop order is the reverse: not
 * ready, stop intake and finish in-flight work service by service, drain NATS, end Postgres,
 * flush traces.
 */
export async function runServices(modules: ServiceModule[], config: Config, options: RunOptions): Promise<Running> {
  if (!config.databaseUrl || !config.natsUrl) {
    throw new Error(`${options.name} needs DATABASE_URL and NATS_URL (only \`slotwatch run\` starts embedded ones)`);
  }
  const log = options.log ?? createLogger({ level: config.logLevel, name: options.name });
  const telemetry = startTelemetry({ serviceName: config.otelServiceName ?? options.name, otlpEndpoint: config.otlpEndpoint });
  const metrics = createMetrics();
  let ready = false;
  const db = createDb(config.databaseUrl, { applicationName: options.name });
  const closers: Array<() => Promise<void>> = [...(options.afterStop ? [options.afterStop] : []), () => telemetry.shutdown(), () => db.end({ timeout: 5 })];
  const started = new Map<string, RunningService>();

  const stop = async (reason = 'stop'): Promise<void> => {
    ready = false;
    log.info({ reason }, 'stopping');
    for (const [name, service] of [...started].reverse()) {
      await service.stop().catch((error: unknown) => log.error({ err: error, service: name }, 'service did not stop cleanly'));
    }
    started.clear();
    for (const close of closers.reverse()) await close().catch((error: unknown) => log.warn({ err: error }, 'close failed'));
    closers.length = 0;
    log.info('stopped');
  };

  try {
    if (config.migrateOnStart) {
      const applied = await migrate(db);
      if (applied.length) log.info({ applied }, 'database migrated');
    }
    const bus = await connectBus({ url: config.natsUrl, naming: { prefix: config.prefix }, tracer: telemetry.tracer, log, name: options.name });
    closers.push(() => bus.close());
    // Consumer lag, read from JetStream at scrape time for the consumers this process runs.
    metrics.consumerPending.source('bus', async (g) => { for (const c of await bus.consumerStats()) g.set({ consumer: c.consumer }, c.pending); });
    metrics.consumerAckPending.source('bus', async (g) => { for (const c of await bus.consumerStats()) g.set({ consumer: c.consumer }, c.ackPending); });
    if (!config.secretKey) {
      log.warn('SLOTWATCH_SECRET_KEY is not set: using a random key for this run, so stored secrets will not open after a restart');
    }
    const ctx: ServiceContext = {
      config, log, db, bus, metrics, tracer: telemetry.tracer,
      secrets: new SecretBox(config.secretKey ?? randomBytes(32)),
      isReady: () => ready,
    };
    const ordered = [...modules].sort((a, b) => Number(a.name === 'api') - Number(b.name === 'api'));
    for (const module of ordered) {
      const service = await module.start(ctx);
      started.set(module.name, service);
      await service.ready?.();
      log.info({ service: module.name }, 'service started');
    }
    let url = started.get('api')?.address?.();
    if (!started.has('api')) {
      const ops = await startOpsServer({ host: config.host, port: config.port, registry: metrics.registry, isReady: () => ready });
      closers.push(() => ops.close());
      url = ops.url;
    }
    ready = true;
    log.info({ services: [...started.keys()], url }, 'slotwatch is ready');

    const running: Running = { ctx, services: started, url, stop };
    if (options.handleSignals) installSignalHandlers(running, config.shutdownGraceMs, log);
    return running;
  } catch (error) {
    await stop('start failed');
    throw error;
  }
}

function installSignalHandlers(running: Running, graceMs: number, log: Logger): void {
  let stoppingSince = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince) {
      // A terminal's Ctrl-C reaches the whole process group, and wrappers (npm, tsx) relay it
      // again: a repeat within a second is the same request. A later one means "now".
      if (Date.now() - stoppingSince < 1000) return;
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stoppingSince = Date.now();
    // A hard deadline: whatever is still running after the grace period is cut off.
    const deadline = setTimeout(() => {
      log.error({ graceMs }, 'shutdown grace period exceeded: exiting');
      process.exit(1);
    }, graceMs + 1500);
    deadline.unref();
    running
      .stop(signal)
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
