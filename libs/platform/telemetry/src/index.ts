export { createLogger, REDACT_PATHS, type Logger } from './logger';
export { createMetrics, type Metrics } from './metrics';
export { startTelemetry, type TelemetryHandle } from './tracing';
