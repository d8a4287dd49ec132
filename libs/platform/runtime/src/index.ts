export type { ServiceModule, ServiceContext, RunningService } from './service';
export { runServices, type Running, type RunOptions } from './run-services';
export { startOpsServer } from './ops.server';
export { startEmbeddedPostgres, startEmbeddedNats, localSecretKey, freePort, NatsServerMissing, type EmbeddedHandle } from './embedded';
export { runMain } from './run-main';
