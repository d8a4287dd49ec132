import { trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';

/** Paths pino replaces with "[redacted]": secrets, tokens, passwords and email addresses. */
export const REDACT_PATHS = [
  'secret', '*.secret', 'secrets', '*.secrets', 'token', '*.token', '*.accessToken', '*.refreshToken',
  'password', '*.password', 'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
  'email', '*.email', 'key', '*.key', 'apiKey', '*.apiKey', 'credentials', '*.credentials', 'sessionId', '*.sessionId',
  'databaseUrl', '*.databaseUrl',
];

/** pino JSON logs with the active trace and span ids on every line. */
export function createLogger(options: { level: string; name?: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      name: options.name,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      mixin() {
        const span = trace.getActiveSpan();
        if (!span) return {};
        const { traceId, spanId } = span.spanContext();
        return { trace_id: traceId, span_id: spanId };
      },
    },
    options.destination,
  );
}

export type { Logger };
