import type { CheckContext, ProviderAdapter, Snapshot } from '@slotwatch/provider-core';
import { TroovCallError, TroovClient } from './troov.client';
import { reasonOf, runCheck } from './troov.check';
import { TROOV_BASE_URL, TroovTarget, resolveTarget } from './troov.config';
import { slugOfTeam } from './troov.presets';
import { SessionKeeper, type SessionTimes } from './troov.session';

export interface TroovAdapterOptions {
  /**
   * Least time between two calls of one check. visaflow paced its day requests 250–400 ms apart
   * (research/troov.md §2); tests pass 0.
   */
  minGapMs?: number;
  /** Calls per host, reserved in the shared budget before each call. Default 60 per 60 s. */
  budget?: { calls: number; perSeconds: number };
  /** How long a handshake is reused; its real lifetime is undocumented, a 418 refreshes it anyway. */
  handshakeTtlSeconds?: number;
  session?: Partial<SessionTimes>;
  /** How long team info (time zone, zone names, calendar) is reused. */
  teamCacheSeconds?: number;
  /**
   * How long a booking window from get-interval is reused at most; it is never reused past local
   * midnight or the release time, when the window moves. 0 asks for it on every check.
   */
  windowCacheSeconds?: number;
  /** Deadline per call; julbrs needed 20 s for whole checks against a slow backend (research/troov.md §2). */
  requestTimeoutMs?: number;
  /** The wait between calls, replaceable so tests run fast. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** A TROOV adapter with its politeness settings; `troovAdapter` is the default one. */
export function createTroovAdapter(options: TroovAdapterOptions = {}): ProviderAdapter<TroovTarget> {
  const budget = options.budget ?? { calls: 60, perSeconds: 60 };
  const times: SessionTimes = { ttlSeconds: 30 * 60, renewAfterSeconds: 25 * 60, ...options.session };
  return {
    id: 'troov',
    title: 'TROOV (consulat.gouv.fr appointments)',
    targetSchema: TroovTarget,
    // Public bots polled every 10 s to 5 min; the 5-minute cron of julbrs ran all of 2022 without a ban,
    // gortaf's 10 s loop met 429s (research/troov.md §2). One minute stays well inside that range.
    minIntervalSeconds: 60,
    defaultVisibility: 'public',
    upstreamHost: (target) => new URL(target.baseUrl ?? TROOV_BASE_URL).host,
    bookingUrl(target) {
      const slug = target.slug ?? slugOfTeam(target.teamId);
      if (!slug) return undefined;
      return `https://consulat.gouv.fr/${slug}/rendez-vous?name=${encodeURIComponent(target.serviceName)}`;
    },
    async check(raw: TroovTarget, ctx: CheckContext): Promise<Snapshot> {
      const target = resolveTarget(raw);
      const host = new URL(target.baseUrl).host;
      const client = new TroovClient({
        http: ctx.http,
        baseUrl: target.baseUrl,
        profile: target.profile,
        now: ctx.now,
        state: ctx.state,
        budget: { store: ctx.budget, bucket: `troov:${host}`, limit: budget },
        signal: ctx.signal,
        minGapMs: options.minGapMs ?? 250,
        sleep: options.sleep,
        timeoutMs: options.requestTimeoutMs ?? 15_000,
        handshakeTtlSeconds: options.handshakeTtlSeconds ?? 600,
      });
      const credential = typeof ctx.credentials?.sessionId === 'string' ? ctx.credentials.sessionId : undefined;
      const sessions = new SessionKeeper(client, target, ctx.state, times, ctx.now, ctx.log, credential);
      try {
        return await runCheck(target, ctx, { client, sessions, teamCacheSeconds: options.teamCacheSeconds ?? 6 * 3600, windowCacheSeconds: options.windowCacheSeconds ?? 3600 });
      } catch (error) {
        if (!(error instanceof TroovCallError)) throw error;
        return failed(error, client.requests);
      }
    },
  };
}

export const troovAdapter: ProviderAdapter<TroovTarget> = createTroovAdapter();

/** A check that read nothing: no slots, empty scope, so nothing closes. */
function failed(error: TroovCallError, requests: number): Snapshot {
  const base = { scope: { keys: [] }, slots: [], requests, reason: reasonOf(error), detail: error.message };
  switch (error.kind) {
    case 'rate_limited':
    case 'budget_exhausted':
      return { ...base, status: 'rate_limited', retryAfter: error.info.retryAfter };
    case 'captcha_required':
      return {
        ...base,
        status: 'blocked',
        detail:
          `${error.message}. slotwatch does not solve captchas: open a session at consulat.gouv.fr in a browser and ` +
          'hand its id over as the watch\'s sessionId credential, or pause the watch.',
      };
    case 'session_refused':
    case 'handshake_refused':
      return { ...base, status: 'blocked' };
    default:
      return { ...base, status: 'error' };
  }
}
