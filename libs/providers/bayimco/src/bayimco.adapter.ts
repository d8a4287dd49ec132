import { createHash } from 'node:crypto';
import type { CheckContext, ProviderAdapter, Snapshot } from '@slotwatch/provider-core';
import { CallLog } from './bayimco.calls';
import { failedSnapshot, runCheck } from './bayimco.check';
import { BayimcoCallError, Upstream } from './bayimco.client';
import { BAYIMCO_BASE_URL, BAYIMCO_CLIENT_ID, BAYIMCO_UPSTREAM_LIMIT, BayimcoTarget, resolveTarget, spaUrl } from './bayimco.config';
import { readCredentials } from './bayimco.credentials';
import { inProcessLock, type RefreshLock } from './bayimco.lock';
import { applyPolicies, stoppedSnapshot } from './bayimco.policy';
import { SealedState } from './bayimco.seal';
import { TokenKeeper } from './bayimco.tokens';

export interface BayimcoAdapterOptions {
  /**
   * Deadline per call. BayIMCO's "almost instant" 404 and 200 need well under a second; under load it
   * hangs ~2 minutes before a 500 (research/bayimco.md §4.3). Waiting that out would hold a scraper slot
   * for 2 minutes to learn what the hang already says ("likely available"), so 30 s by default.
   */
  requestTimeoutMs?: number;
  /**
   * Serializes token refreshes per credential across replicas (e.g. a Postgres advisory lock). A
   * `withLock` on the check context, once the scraper passes one, wins over this. Without either,
   * refreshes are serialized inside this process only; see `RefreshLock`.
   */
  withRefreshLock?: RefreshLock;
  /**
   * The upstream limit a 404 is judged against: past this many calls in the window a 404 is
   * `rate_limited`, never "none". Default 30 per 900 s (§4.1); the target's own budget tightens it.
   */
  upstreamLimit?: { calls: number; perSeconds: number };
  /** Sent as `X-Abuse-Contact`, as impformation.bayern did so BayIMCO staff could reach the operator (§2.4). */
  abuseContact?: string;
}

/** The context as the scraper may extend it: a cross-replica lock (not yet part of CheckContext). */
type LockingContext = CheckContext & { withLock?: RefreshLock };

/** A BayIMCO adapter with its settings; `bayimcoAdapter` is the default one. */
export function createBayimcoAdapter(options: BayimcoAdapterOptions = {}): ProviderAdapter<BayimcoTarget> {
  const upstreamLimit = options.upstreamLimit ?? BAYIMCO_UPSTREAM_LIMIT;
  return {
    id: 'bayimco',
    title: 'BayIMCO (Bavarian vaccination centres, impfzentren.bayern)',
    targetSchema: BayimcoTarget,
    // The default budget is 30 appointments/next calls per 15 min, about 30 being the upstream limit
    // (§4.1). A check spends one call, two when a 401 makes it renew the token. One check a minute
    // spends 15–30 of the 30, leaving room for those retries and a second watch of the same account;
    // c19ac ran every 5 minutes and lucatk's notifier every 15 (§6.1, §6.4).
    minIntervalSeconds: 60,
    // A watch reads one person's offers with that person's login, and each hit is held for them alone.
    defaultVisibility: 'private',
    upstreamHost: (target) => new URL(target.baseUrl ?? BAYIMCO_BASE_URL).host,
    // The SPA page that fires appointments/next and shows the held slot (§3.10).
    // The citizen id is personal: outputs show only enough of it to tell two watches apart.
    redactTarget: (target) => ({ ...target, citizenId: `…${String(target.citizenId).slice(-4)}` }),
    // The portal's overview, not the per-person page: a link in a mail must not carry the citizen id.
    bookingUrl: (target) => spaUrl(target.baseUrl ?? BAYIMCO_BASE_URL, 'overview'),
    async check(raw: BayimcoTarget, ctx: CheckContext): Promise<Snapshot> {
      const target = resolveTarget(raw);
      const creds = readCredentials(ctx.credentials);
      const sealed = new SealedState(ctx.state, ctx.watchId, creds.ok ? creds.credentials : {});
      const stopped = await stoppedSnapshot(sealed, target.policies);
      if (stopped) return stopped;
      const up = new Upstream({ http: ctx.http, timeoutMs: options.requestTimeoutMs ?? 30_000, signal: ctx.signal, abuseContact: options.abuseContact });
      let snapshot: Snapshot;
      if (!creds.ok) {
        snapshot = { status: 'auth_failed', scope: { keys: [] }, slots: [], requests: 0, reason: 'no_credentials', detail: creds.problems.join('; ') };
      } else {
        const tokens = new TokenKeeper({
          up,
          kc: { authUrl: target.authUrl, clientId: BAYIMCO_CLIENT_ID, redirectUri: spaUrl(target.baseUrl) },
          sealed,
          credentials: creds.credentials,
          lock: (ctx as LockingContext).withLock ?? options.withRefreshLock ?? inProcessLock,
          lockKey: `bayimco:refresh:${ctx.watchId}`,
          now: ctx.now,
          log: ctx.log,
        });
        const window = { calls: Math.min(target.budget.calls, upstreamLimit.calls), perSeconds: Math.max(target.budget.perSeconds, upstreamLimit.perSeconds) };
        // The limit is keyed per account or per citizen, nobody knows (§8); the account is the safer key when known.
        const username = creds.credentials.username;
        const bucket = username ? `bayimco:account:${createHash('sha256').update(username.trim().toLowerCase()).digest('hex').slice(0, 16)}` : `bayimco:citizen:${target.citizenId}`;
        try {
          snapshot = await runCheck(target, ctx, { up, tokens, calls: new CallLog(ctx.state, window), bucket, trustLimit: window });
        } catch (error) {
          if (!(error instanceof BayimcoCallError)) throw error;
          snapshot = failedSnapshot(error, up.requests);
        }
      }
      if (snapshot.status !== 'ok') ctx.log.info({ status: snapshot.status, reason: snapshot.reason }, `BayIMCO check: ${snapshot.detail ?? snapshot.status}`);
      await applyPolicies(sealed, target.policies, snapshot, ctx.now());
      return snapshot;
    },
  };
}

export const bayimcoAdapter: ProviderAdapter<BayimcoTarget> = createBayimcoAdapter();
