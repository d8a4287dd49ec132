import { settings, type Setting } from './config.schema';

export interface Config {
  databaseUrl?: string;
  natsUrl?: string;
  home: string;
  natsServerBin?: string;
  prefix: string;
  host: string;
  port: number;
  publicUrl: string;
  adminKey?: string;
  secretKey?: Buffer;
  webhookAllowPrivate: boolean;
  contact?: string;
  migrateOnStart: boolean;
  schedulerTickMs: number;
  minIntervalOverride?: number;
  troovBudget: { calls: number; perSeconds: number };
  troovMinGapMs: number;
  troovWindowCacheSeconds: number;
  scraperConcurrency: number;
  deliveryConcurrency: number;
  staleAfterIntervals: number;
  massCloseGuard: boolean;
  massCloseMin: number;
  eventRetentionDays: number;
  shutdownGraceMs: number;
  logLevel: string;
  otlpEndpoint?: string;
  otelServiceName?: string;
  /** Email channel; undefined when SMTP_URL is unset (the channel is off). */
  smtpUrl?: string;
  mailFrom?: string;
  mailUnsubscribeMailto?: string;
  mailDkim?: { domainName: string; keySelector: string; privateKey: string };
  emailDigestWindowS: number;
  /** X channel; both undefined when it is off. */
  twitterAppKey?: string;
  twitterAppSecret?: string;
  twitterApiUrl: string;
  twitterCoalesceS: number;
}

/** Every violation found, reported at once. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`slotwatch cannot start: the configuration has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Raw = Record<string, string | undefined>;

function parse(setting: Setting, raw: string, problems: string[]): unknown {
  const bad = (why: string) => {
    problems.push(`${setting.env}=${setting.secret ? '***' : JSON.stringify(raw)} ${why}`);
    return undefined;
  };
  switch (setting.kind) {
    case 'string':
      return raw;
    case 'url':
      try {
        new URL(raw);
        return raw;
      } catch {
        return bad('is not a URL: write it like postgres://user@host:5432/db or nats://host:4222');
      }
    case 'int': {
      if (!/^-?\d+$/.test(raw)) return bad('is not a whole number');
      const n = Number(raw);
      if (setting.min !== undefined && n < setting.min) return bad(`is below the minimum ${setting.min}`);
      if (setting.max !== undefined && n > setting.max) return bad(`is above the maximum ${setting.max}`);
      return n;
    }
    case 'bool':
      if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
      if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
      return bad('must be true or false');
    case 'enum':
      return setting.values?.includes(raw) ? raw : bad(`must be one of ${setting.values?.join(', ')}`);
    case 'rate': {
      const m = /^(\d+)\/(\d+)$/.exec(raw);
      if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) return bad('must be calls/seconds, e.g. 60/60');
      return { calls: Number(m[1]), perSeconds: Number(m[2]) };
    }
    case 'key': {
      const buf = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
      return buf.length === 32 ? buf : bad('must be 32 bytes, as base64 or 64 hex digits (make one: openssl rand -base64 32)');
    }
  }
}

/** Read and check the environment once. Throws ConfigError listing every problem. */
export function loadConfig(env: Raw = process.env): Config {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const setting of settings as readonly Setting[]) {
    const raw = env[setting.env];
    const given = raw !== undefined && raw !== '' ? raw : setting.default;
    values[setting.env] = given === undefined ? undefined : parse(setting, given, problems);
  }
  const adminKey = values.SLOTWATCH_ADMIN_KEY as string | undefined;
  if (adminKey !== undefined && adminKey.length < 24) {
    problems.push('SLOTWATCH_ADMIN_KEY is shorter than 24 characters: use a long random value (openssl rand -hex 24)');
  }
  if (values.SMTP_URL !== undefined && values.SLOTWATCH_MAIL_FROM === undefined) {
    problems.push('SMTP_URL is set but SLOTWATCH_MAIL_FROM is not: give the From address of alerts, e.g. "slotwatch <alerts@example.org>"');
  }
  if ((values.TWITTER_APP_KEY === undefined) !== (values.TWITTER_APP_SECRET === undefined)) {
    problems.push('TWITTER_APP_KEY and TWITTER_APP_SECRET go together: set both to turn the X channel on, or neither');
  }
  const dkim = ['SLOTWATCH_MAIL_DKIM_DOMAIN', 'SLOTWATCH_MAIL_DKIM_SELECTOR', 'SLOTWATCH_MAIL_DKIM_PRIVATE_KEY'];
  const dkimSet = dkim.filter((name) => values[name] !== undefined);
  if (dkimSet.length > 0 && dkimSet.length < dkim.length) {
    problems.push(`DKIM signing needs all of ${dkim.join(', ')}; missing ${dkim.filter((n) => !dkimSet.includes(n)).join(', ')}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const port = values.PORT as number;
  return {
    databaseUrl: values.DATABASE_URL as string | undefined,
    natsUrl: values.NATS_URL as string | undefined,
    home: values.SLOTWATCH_HOME as string,
    natsServerBin: values.NATS_SERVER_BIN as string | undefined,
    prefix: values.SLOTWATCH_PREFIX as string,
    host: values.HOST as string,
    port,
    publicUrl: ((values.SLOTWATCH_PUBLIC_URL as string | undefined) ?? `http://localhost:${port}`).replace(/\/$/, ''),
    adminKey,
    secretKey: values.SLOTWATCH_SECRET_KEY as Buffer | undefined,
    webhookAllowPrivate: values.SLOTWATCH_WEBHOOK_ALLOW_PRIVATE as boolean,
    contact: values.SLOTWATCH_CONTACT as string | undefined,
    migrateOnStart: values.SLOTWATCH_MIGRATE_ON_START as boolean,
    schedulerTickMs: values.SLOTWATCH_SCHEDULER_TICK_MS as number,
    minIntervalOverride: values.SLOTWATCH_MIN_INTERVAL_S as number | undefined,
    troovBudget: values.SLOTWATCH_TROOV_BUDGET as { calls: number; perSeconds: number },
    troovMinGapMs: values.SLOTWATCH_TROOV_MIN_GAP_MS as number,
    troovWindowCacheSeconds: values.SLOTWATCH_TROOV_WINDOW_CACHE_S as number,
    scraperConcurrency: values.SLOTWATCH_SCRAPER_CONCURRENCY as number,
    deliveryConcurrency: values.SLOTWATCH_DELIVERY_CONCURRENCY as number,
    staleAfterIntervals: values.SLOTWATCH_STALE_AFTER_INTERVALS as number,
    massCloseGuard: values.SLOTWATCH_MASS_CLOSE_GUARD as boolean,
    massCloseMin: values.SLOTWATCH_MASS_CLOSE_MIN as number,
    eventRetentionDays: values.SLOTWATCH_EVENT_RETENTION_DAYS as number,
    shutdownGraceMs: values.SHUTDOWN_GRACE_MS as number,
    logLevel: values.LOG_LEVEL as string,
    otlpEndpoint: values.OTEL_EXPORTER_OTLP_ENDPOINT as string | undefined,
    otelServiceName: values.OTEL_SERVICE_NAME as string | undefined,
    smtpUrl: values.SMTP_URL as string | undefined,
    mailFrom: values.SLOTWATCH_MAIL_FROM as string | undefined,
    mailUnsubscribeMailto: values.SLOTWATCH_MAIL_UNSUBSCRIBE_MAILTO as string | undefined,
    mailDkim:
      dkimSet.length === dkim.length
        ? {
            domainName: values.SLOTWATCH_MAIL_DKIM_DOMAIN as string,
            keySelector: values.SLOTWATCH_MAIL_DKIM_SELECTOR as string,
            privateKey: (values.SLOTWATCH_MAIL_DKIM_PRIVATE_KEY as string).replace(/\\n/g, '\n'),
          }
        : undefined,
    emailDigestWindowS: values.SLOTWATCH_EMAIL_DIGEST_WINDOW_S as number,
    twitterAppKey: values.TWITTER_APP_KEY as string | undefined,
    twitterAppSecret: values.TWITTER_APP_SECRET as string | undefined,
    twitterApiUrl: values.TWITTER_API_URL as string,
    twitterCoalesceS: values.SLOTWATCH_TWITTER_COALESCE_S as number,
  };
}

/** The configuration reference as a markdown table (README). */
export function configMarkdown(): string {
  const rows = (settings as readonly Setting[]).map(
    (s) => `| \`${s.env}\` | ${s.default !== undefined ? `\`${s.default}\`` : '—'} | ${s.description} |`,
  );
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
