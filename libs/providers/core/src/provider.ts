import type { TSchema } from 'typebox';
import type { ObservedSlotV1, ScopeV1, SnapshotStatus } from '@slotwatch/contracts';
import type { HttpClient } from '@slotwatch/http';
import type { Logger } from 'pino';

/** What one check saw. Only `ok`/`partial` change slots, and only inside `scope`. */
export interface Snapshot {
  status: SnapshotStatus;
  scope: ScopeV1;
  slots: ObservedSlotV1[];
  /** Machine reason for a non-ok status: `captcha_required`, `http_500`, `budget_exhausted`… */
  reason?: string;
  /** One sentence for operators. */
  detail?: string;
  /** Hint for an uncertain outcome, e.g. "likely available". */
  hint?: string;
  /** Earliest time the next call is allowed (429 Retry-After, budget). */
  retryAfter?: Date;
  /** Upstream requests made by this check. */
  requests: number;
}

/** Small persistent key/value state per watch (sessions, tokens), kept in Postgres by the scraper. */
export interface ProviderState {
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T, ttlSeconds?: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * A request budget shared by every scraper replica (backed by Postgres). `take` reserves one call
 * before it is made; it answers the time to wait when the budget is spent.
 */
export interface RequestBudget {
  take(bucket: string, limit: { calls: number; perSeconds: number }): Promise<{ ok: true } | { ok: false; retryAfter: Date }>;
}

export interface CheckContext {
  watchId: string;
  http: HttpClient;
  state: ProviderState;
  budget: RequestBudget;
  log: Logger;
  signal: AbortSignal;
  now: () => Date;
  /** Secrets handed over for this watch (decrypted), e.g. a TROOV session id or BayIMCO tokens. */
  credentials?: Record<string, unknown>;
  /**
   * Runs `work` while holding a lock named `key` across every scraper replica (a Postgres advisory
   * lock), e.g. so two replicas never both spend one rotating refresh token.
   */
  withLock?: <T>(key: string, work: () => Promise<T>) => Promise<T>;
}

export interface ProviderAdapter<TTarget = unknown> {
  /** Registry id, also the subject token: `troov`, `bayimco`. */
  readonly id: string;
  /** Human name. */
  readonly title: string;
  /** TypeBox schema of a watch's `target`. */
  readonly targetSchema: TSchema;
  /** Shortest interval between checks of one watch this provider tolerates, with its source. */
  readonly minIntervalSeconds: number;
  /** Default visibility of a new watch of this provider. */
  readonly defaultVisibility: 'public' | 'private';
  /** The upstream host, for per-host budgets and User-Agent politeness. */
  upstreamHost(target: TTarget): string;
  /** One check. Never throws for upstream trouble: it returns a snapshot with a non-ok status. */
  check(target: TTarget, ctx: CheckContext): Promise<Snapshot>;
  /** The target as shown in API answers and CLI output: personal ids masked. Default: as stored. */
  redactTarget?(target: TTarget): Record<string, unknown>;
  /** A link people can book at, for notifications. */
  bookingUrl?(target: TTarget): string | undefined;
}
