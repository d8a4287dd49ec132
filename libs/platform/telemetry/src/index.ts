export { createLogger, REDACT_PATHS, scrubSecrets, type Logger } from './logger';
export { createMetrics, type Metrics, type ScrapedGauge } from './metrics';
export { startTelemetry, addSpanProcessor, type TelemetryHandle } from './tracing';
export { inSpan } from './spans';
