import type { Tracer } from '@opentelemetry/api';
import type { Config } from '@slotwatch/config';
import type { Db, SecretBox } from '@slotwatch/db';
import type { Bus } from '@slotwatch/messaging';
import type { Logger, Metrics } from '@slotwatch/telemetry';

/** What the runner hands every service: shared clients, built once, closed by the runner. */
export interface ServiceContext {
  config: Config;
  log: Logger;
  db: Db;
  bus: Bus;
  metrics: Metrics;
  tracer: Tracer;
  secrets: SecretBox;
  /** True while the process takes work (false once shutdown began). */
  isReady(): boolean;
}

export interface RunningService {
  /** Resolves when the service takes work. */
  ready?(): Promise<void>;
  /** Stop intake, finish in-flight work, release resources. */
  stop(): Promise<void>;
  /** Optional HTTP listener address (the api). */
  address?(): string | undefined;
}

/** A service is a lib with a lifecycle. Apps and `slotwatch run` list them; the runner owns order. */
export interface ServiceModule {
  readonly name: 'scheduler' | 'scraper' | 'differ' | 'notifier' | 'api';
  start(ctx: ServiceContext): Promise<RunningService>;
}
