/**
 * Every environment variable slotwatch reads, in one table. Nothing else reads `process.env`.
 * The README's configuration reference is this table (`slotwatch config --markdown` prints it).
 */
type Kind = 'string' | 'url' | 'int' | 'bool' | 'enum' | 'key' | 'rate';

export interface Setting {
  env: string;
  kind: Kind;
  description: string;
  default?: string;
  values?: readonly string[];
  min?: number;
  max?: number;
  /** Shown as `***` and never logged. */
  secret?: boolean;
}

export const settings = [
  { env: 'DATABASE_URL', kind: 'url', description: 'Postgres URL. Unset in one-process mode: an embedded PostgreSQL under SLOTWATCH_HOME. Required for split services.', secret: true },
  { env: 'NATS_URL', kind: 'url', description: 'NATS server URL (JetStream enabled). Unset in one-process mode: a `nats-server -js` child under SLOTWATCH_HOME. Required for split services.' },
  { env: 'SLOTWATCH_HOME', kind: 'string', default: './.slotwatch', description: 'Where the embedded PostgreSQL and NATS keep their data, and the generated secret key.' },
  { env: 'NATS_SERVER_BIN', kind: 'string', description: 'Path of the nats-server binary for the embedded NATS (default: found on PATH or /usr/sbin).' },
  { env: 'SLOTWATCH_PREFIX', kind: 'string', default: 'slotwatch', description: 'Subject prefix and stream-name prefix; lets several installations share one NATS.' },
  { env: 'HOST', kind: 'string', default: '0.0.0.0', description: 'Address the HTTP server listens on.' },
  { env: 'PORT', kind: 'int', default: '8080', min: 0, max: 65535, description: 'HTTP port: the API in the api service or one-process mode; /healthz, /readyz and /metrics in every other service.' },
  { env: 'SLOTWATCH_PUBLIC_URL', kind: 'url', description: 'Public base URL of the API and status page, used in links (default http://localhost:PORT).' },
  { env: 'SLOTWATCH_ADMIN_KEY', kind: 'string', description: 'Bootstraps an admin API key with this value at start (stored only as its SHA-256 hash). At least 24 characters.', secret: true },
  { env: 'SLOTWATCH_SECRET_KEY', kind: 'key', description: '32-byte key (base64 or 64 hex digits) that encrypts secrets at rest (AES-256-GCM). One-process mode generates one under SLOTWATCH_HOME when unset; split services require it.', secret: true },
  { env: 'SLOTWATCH_WEBHOOK_ALLOW_PRIVATE', kind: 'bool', default: 'false', description: 'Allow webhooks to private and loopback addresses (local use, tests). Link-local and cloud-metadata addresses stay refused.' },
  { env: 'SLOTWATCH_CONTACT', kind: 'string', description: "Operator contact (email or URL) put in the User-Agent sent upstream, so a provider can reach you instead of blocking you." },
  { env: 'SLOTWATCH_MIGRATE_ON_START', kind: 'bool', default: 'true', description: 'Apply database migrations at start (under an advisory lock). Set false when a migration job runs them (Helm).' },
  { env: 'SLOTWATCH_MIN_INTERVAL_S', kind: 'int', min: 1, max: 86_400, description: "Overrides every provider's minimum check interval. Only for tests and demos against the fake upstreams: real providers block watchers that poll faster than their floor." },
  { env: 'SLOTWATCH_TROOV_BUDGET', kind: 'rate', default: '60/60', description: 'Calls per seconds to one TROOV host, shared by every scraper replica, as calls/seconds (visaflow paced 250–400 ms per call; research/troov.md §2).' },
  { env: 'SLOTWATCH_TROOV_MIN_GAP_MS', kind: 'int', default: '250', min: 0, max: 60_000, description: 'Least time between two TROOV calls of one check.' },
  { env: 'SLOTWATCH_TROOV_WINDOW_CACHE_S', kind: 'int', default: '3600', min: 0, max: 86_400, description: 'Longest reuse of a TROOV booking window (get-interval); it is never reused past local midnight or the daily release time. 0 asks on every check.' },
  { env: 'SLOTWATCH_SCHEDULER_TICK_MS', kind: 'int', default: '1000', min: 50, max: 60_000, description: 'How often the scheduler looks for due watches.' },
  { env: 'SLOTWATCH_SCRAPER_CONCURRENCY', kind: 'int', default: '8', min: 1, max: 256, description: 'Checks one scraper runs at once.' },
  { env: 'SLOTWATCH_DELIVERY_CONCURRENCY', kind: 'int', default: '64', min: 1, max: 1024, description: 'Deliveries one notifier sends at once.' },
  { env: 'SLOTWATCH_STALE_AFTER_INTERVALS', kind: 'int', default: '3', min: 1, max: 1000, description: 'A watch with no successful check for this many of its intervals becomes unknown and emits watch.stale; the next success emits watch.recovered.' },
  { env: 'SLOTWATCH_MASS_CLOSE_GUARD', kind: 'bool', default: 'true', description: "Hold a snapshot's closure of every open slot of a watch (at least SLOTWATCH_MASS_CLOSE_MIN of them) until the next successful check confirms it: an upstream glitch that shows an empty calendar then closes nothing." },
  { env: 'SLOTWATCH_MASS_CLOSE_MIN', kind: 'int', default: '5', min: 1, max: 1_000_000, description: 'Open slots a watch must have before closing all of them at once needs a confirming check (see SLOTWATCH_MASS_CLOSE_GUARD).' },
  { env: 'SLOTWATCH_EVENT_RETENTION_DAYS', kind: 'int', default: '90', min: 1, max: 3650, description: 'Days the differ keeps slot and watch events (the history the API pages through) and closed slots; older ones are pruned hourly.' },
  { env: 'SMTP_URL', kind: 'url', description: 'SMTP server for email alerts, e.g. smtps://user:pass@smtp.example.com:465 (a pool of at most 5 connections, 100 mails each; nodemailer defaults). Unset: the email channel is off.', secret: true },
  { env: 'SLOTWATCH_MAIL_FROM', kind: 'string', description: 'From address of email alerts, e.g. "slotwatch <alerts@example.org>". Required with SMTP_URL.' },
  { env: 'SLOTWATCH_MAIL_UNSUBSCRIBE_MAILTO', kind: 'string', description: 'Mailbox named in the mailto: part of List-Unsubscribe (subject "unsubscribe <token>"); default: the From address. The https one-click link is always there.' },
  { env: 'SLOTWATCH_MAIL_DKIM_DOMAIN', kind: 'string', description: 'DKIM signing domain. With the selector and key, mails are signed and the signature covers List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 §4 asks for both).' },
  { env: 'SLOTWATCH_MAIL_DKIM_SELECTOR', kind: 'string', description: 'DKIM key selector (see SLOTWATCH_MAIL_DKIM_DOMAIN).' },
  { env: 'SLOTWATCH_MAIL_DKIM_PRIVATE_KEY', kind: 'string', description: 'DKIM private key, PEM (literal \\n accepted for newlines).', secret: true },
  { env: 'SLOTWATCH_EMAIL_DIGEST_WINDOW_S', kind: 'int', default: '120', min: 0, max: 86_400, description: 'Email digest window: the first alert for a subscriber waits this long so a burst becomes one mail.' },
  { env: 'TWITTER_APP_KEY', kind: 'string', description: 'X (Twitter) app consumer key (OAuth 1.0a). With TWITTER_APP_SECRET it turns the X channel on; user tokens are set per account through the API.', secret: true },
  { env: 'TWITTER_APP_SECRET', kind: 'string', description: 'X (Twitter) app consumer secret (see TWITTER_APP_KEY).', secret: true },
  { env: 'TWITTER_API_URL', kind: 'url', default: 'https://api.x.com/2/', description: 'X API v2 base URL. Only tests and demos change it (the fake X server).' },
  { env: 'SLOTWATCH_TWITTER_COALESCE_S', kind: 'int', default: '60', min: 0, max: 86_400, description: 'X coalescing window: the events of this many seconds become one post (at most 280 characters).' },
  { env: 'SHUTDOWN_GRACE_MS', kind: 'int', default: '8000', min: 0, max: 120_000, description: 'On SIGTERM, how long in-flight work may finish before the process exits.' },
  { env: 'LOG_LEVEL', kind: 'enum', default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'pino log level.' },
  { env: 'OTEL_EXPORTER_OTLP_ENDPOINT', kind: 'url', description: 'OTLP/HTTP endpoint for traces (e.g. http://otel-collector:4318). Unset: no traces are exported.' },
  { env: 'OTEL_SERVICE_NAME', kind: 'string', description: 'Service name on traces (default: slotwatch-<service>, or slotwatch in one-process mode).' },
] as const satisfies readonly Setting[];

export type SettingName = (typeof settings)[number]['env'];
