import type { ObservedSlotV1 } from '@slotwatch/contracts';
import type { HttpResponse } from '@slotwatch/http';
import { parseRetryAfter } from '@slotwatch/http';
import type { CheckContext, Snapshot } from '@slotwatch/provider-core';
import { Value } from 'typebox/value';
import type { CallLog } from './bayimco.calls';
import { BayimcoCallError, parseJson, snippet, type Upstream } from './bayimco.client';
import type { ResolvedTarget } from './bayimco.config';
import { NextAppointment, vaccineName } from './bayimco.schema';
import { isoWithOffset, localDay, zonedIso } from './bayimco.time';
import type { TokenKeeper } from './bayimco.tokens';

/** Every /next answer holds the slot for the citizen for 10 minutes (research/bayimco.md §4.4). */
const HOLD_MS = 10 * 60_000;
export const LIKELY_AVAILABLE = 'likely available';

export interface CheckDeps {
  up: Upstream;
  tokens: TokenKeeper;
  calls: CallLog;
  /** Budget bucket: `bayimco:account:<hash>` or `bayimco:citizen:<uuid>`. */
  bucket: string;
  /** Where a 404 stops meaning "none": our sliding count past this many calls. */
  trustLimit: { calls: number; perSeconds: number };
}

/**
 * One check: GET citizens/{uuid}/appointments/next with the April-2021 query (§3.1, §7). The budget is
 * taken before every call; a 401 renews the token once and calls again.
 */
export async function runCheck(target: ResolvedTarget, ctx: CheckContext, deps: CheckDeps): Promise<Snapshot> {
  const url = nextUrl(target, ctx.now());
  let rejected: string | undefined;
  for (let attempt = 0; ; attempt += 1) {
    const granted = await ctx.budget.take(deps.bucket, target.budget);
    if (!granted.ok) {
      throw new BayimcoCallError('budget_exhausted', `the budget of ${target.budget.calls} appointments/next calls per ${target.budget.perSeconds} s for ${deps.bucket} is spent`, { retryAfter: granted.retryAfter });
    }
    const token = attempt === 0 ? await deps.tokens.access() : await deps.tokens.renew(rejected);
    const seen = await deps.calls.record(ctx.now());
    const res = await deps.up.send({ url, headers: { accept: 'application/json', authorization: `Bearer ${token}` }, endpoint: 'next' });
    if (res.status === 401 && attempt === 0) {
      rejected = token;
      ctx.log.debug('BayIMCO answered 401; renewing the access token once');
      continue;
    }
    return classify(res, target, ctx, deps, seen);
  }
}

function classify(res: HttpResponse, target: ResolvedTarget, ctx: CheckContext, deps: CheckDeps, seen: { count: number; retryAfter: Date }): Snapshot {
  const requests = deps.up.requests;
  const s = res.status;
  if (s === 404) {
    // Past the limit BayIMCO answers 404 as if nothing were free: that 404 says nothing (§4.1).
    if (seen.count > deps.trustLimit.calls) {
      return {
        status: 'rate_limited',
        scope: { keys: [] },
        slots: [],
        requests,
        reason: 'upstream_limit_suspected',
        detail: `404 after ${seen.count} appointments/next calls in ${deps.trustLimit.perSeconds} s; past about ${deps.trustLimit.calls} BayIMCO answers 404 whatever is free, so this is no "none"`,
        retryAfter: seen.retryAfter,
      };
    }
    return { status: 'ok', scope: { all: true }, slots: [], requests };
  }
  if (s >= 200 && s < 300) return { status: 'ok', scope: { all: true }, slots: [toSlot(res, target, ctx.now())], requests };
  if (s === 401) throw new BayimcoCallError('unauthorized', 'appointments/next answered 401 even with a fresh access token', { status: 401, endpoint: 'next' });
  if (s === 403) {
    throw new BayimcoCallError('forbidden', `appointments/next answered 403: the account does not hold citizen ${target.citizenId}; check target.citizenId against the portal URL /citizen/overview/<UUID>`, { status: 403, endpoint: 'next' });
  }
  if (s === 429) {
    const after = parseRetryAfter(res.headers['retry-after'], ctx.now());
    throw new BayimcoCallError('http', 'appointments/next answered 429 Too Many Requests', { status: 429, endpoint: 'next', retryAfter: new Date(ctx.now().getTime() + (after ?? target.budget.perSeconds * 1000)) });
  }
  const message = (parseJson(res.text) as { message?: unknown } | undefined)?.message;
  throw new BayimcoCallError('http', `appointments/next answered HTTP ${s}${typeof message === 'string' && message ? ` (${message})` : ''}`, { status: s, body: snippet(res.text), endpoint: 'next' });
}

function nextUrl(target: ResolvedTarget, now: Date): string {
  const url = new URL(`${target.baseUrl}/citizens/${target.citizenId}/appointments/next`);
  const today = localDay(now, target.timezone);
  url.searchParams.set('timeOfDay', target.timeOfDay);
  url.searchParams.set('lastDate', target.lastDate && target.lastDate > today ? target.lastDate : today);
  url.searchParams.set('lastTime', target.lastTime);
  if (target.possibleSiteId) url.searchParams.set('possibleSiteId', target.possibleSiteId);
  return url.toString();
}

/** The one appointment a 200 offers, held for this citizen. Requires only date, time (and vaccine in 2021). */
function toSlot(res: HttpResponse, target: ResolvedTarget, now: Date): ObservedSlotV1 {
  const body = parseJson(res.text);
  if (!Value.Check(NextAppointment, body)) {
    const first = Value.Errors(NextAppointment, body)[0];
    const what = body === undefined ? 'no JSON' : `${first?.instancePath || '/'} ${first?.message ?? ''}`;
    throw new BayimcoCallError('upstream_shape', `appointments/next answered ${res.status} with an unexpected body (${what})`, { status: res.status, body: snippet(res.text), endpoint: 'next' });
  }
  const date = 'firstVaccinationDate' in body ? body.firstVaccinationDate : body.vaccinationDate;
  const time = ('firstVaccinationTime' in body ? body.firstVaccinationTime : body.vaccinationTime).slice(0, 5);
  const siteId = (body.siteId ?? body.site?.id)?.toUpperCase() ?? null;
  const second = 'secondVaccinationDate' in body && body.secondVaccinationDate ? body : undefined;
  const upstreamExpiry = body.expiresAt ? new Date(body.expiresAt) : undefined;
  const known = upstreamExpiry && !Number.isNaN(upstreamExpiry.getTime());
  return {
    key: `${date}T${time}${siteId ? `@${siteId}` : ''}`,
    startsAt: zonedIso(date, time, target.timezone),
    scopeKey: date,
    attributes: {
      vaccineId: body.vaccineId ?? null,
      vaccineName: vaccineName(body.vaccineId),
      siteId,
      siteName: body.site?.name ?? null,
      secondDoseAt: second?.secondVaccinationDate ? zonedIso(second.secondVaccinationDate, (second.secondVaccinationTime ?? time).slice(0, 5), target.timezone) : null,
      expiresAt: isoWithOffset(known ? upstreamExpiry : new Date(now.getTime() + HOLD_MS), target.timezone),
      expiresAtEstimated: !known,
      heldForCitizen: true,
      // The raw answer is not passed on: it may carry the citizen's data, which stays out of every output.
    },
  };
}

/** A check that read nothing: no slots and an empty scope, so nothing closes. */
export function failedSnapshot(error: BayimcoCallError, requests: number): Snapshot {
  const base = { scope: { keys: [] }, slots: [], requests, detail: error.message };
  const { status, endpoint } = error.info;
  // Only appointments/next trouble hints at free slots: under load it hangs ~2 minutes and ends in
  // 500, "a good indication that there are indeed appointments available" (§3.1, §4.3).
  const likely = endpoint === 'next' ? { hint: LIKELY_AVAILABLE } : {};
  const prefix = endpoint === 'auth' ? 'auth_' : '';
  switch (error.kind) {
    case 'budget_exhausted':
      return { ...base, status: 'rate_limited', reason: 'budget_exhausted', retryAfter: error.info.retryAfter };
    case 'no_credentials':
    case 'invalid_grant':
    case 'bad_credentials':
    case 'unauthorized':
    case 'forbidden':
      return { ...base, status: 'auth_failed', reason: error.kind };
    case 'timeout':
      return { ...base, status: 'error', reason: `${prefix}timeout`, ...likely };
    case 'http':
      if (status === 429) return { ...base, status: 'rate_limited', reason: `${prefix}http_429`, retryAfter: error.info.retryAfter };
      if (status === 500 || status === 504) return { ...base, status: 'error', reason: `${prefix}http_${status}`, ...likely };
      return { ...base, status: 'error', reason: `${prefix}http_${status ?? 'unknown'}` };
    case 'upstream_shape':
      // A 200 of an odd shape still says "found": keep the hint, not a slot.
      return { ...base, status: 'error', reason: `${prefix}upstream_shape`, ...(status !== undefined && status < 300 && likely) };
    default:
      return { ...base, status: 'error', reason: `${prefix}${error.kind}` };
  }
}
