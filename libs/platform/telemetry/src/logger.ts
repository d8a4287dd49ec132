import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';

const SECRET_KEYS = [
  'secret', 'secrets', 'secretKey', 'token', 'accessToken', 'refreshToken', 'idToken', 'password', 'authorization', 'cookie',
  'email', 'key', 'apiKey', 'adminKey', 'credentials', 'sessionId', 'databaseUrl',
];

/**
 * Paths pino replaces with "[redacted]": secrets, tokens, passwords and email addresses, at the top
 * level and up to two levels down (`{ watch: { credentials } }`, `{ req: { headers: { authorization } } }`).
 */
export const REDACT_PATHS = [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`), ...SECRET_KEYS.map((k) => `*.*.${k}`)];

/**
 * The last line of defence, over each finished JSON line: what looks like a secret or an email
 * address inside a message or an error text (`Bearer …`, `whsec_…`, `sw_…` API keys, a password
 * in a URL, `?sessionId=…`-like query parameters) is replaced too. Field names are handled by REDACT_PATHS.
 */
const SCRUBS: Array<[RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[\w.~+/=-]{8,}/gi, '$1 [redacted]'],
  [/\bwhsec_[\w+/=]{8,}/g, 'whsec_[redacted]'],
  [/\bsw_[\w-]{20,}/g, 'sw_[redacted]'],
  [/(\b[a-z][\w+.-]*:\/\/)[^\s/:@"]+:[^\s/@"]+@/gi, '$1[redacted]@'],
  [/([?&][\w.-]*(?:token|key|secret|password|session|sig)[\w.-]*=)[^&\s"#]+/gi, '$1[redacted]'],
  [/[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b/gi, '[redacted-email]'],
];

/** Applies the text scrubs to one string (exported for tests). */
export function scrubSecrets(line: string): string {
  let out = line;
  for (const [pattern, replacement] of SCRUBS) out = out.replace(pattern, replacement);
  return out;
}

/** pino JSON logs with the active trace and span ids on every line. */
export function createLogger(options: { level: string; name?: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      name: options.name,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      hooks: { streamWrite: scrubSecrets },
      mixin() {
        const spanContext = trace.getActiveSpan()?.spanContext();
        if (!spanContext || !isSpanContextValid(spanContext)) return {};
        return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
      },
    },
    options.destination,
  );
}

export type { Logger };
