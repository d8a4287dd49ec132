import type { ObservedSlotV1 } from '@slotwatch/contracts';
import { TargetError, type CheckContext, type Snapshot } from '@slotwatch/provider-core';
import { availability, excludeDays, getInterval, getTeam } from './troov.api';
import { addDays, bookingWindow, daysBetween, localDay, zonedInstant, zonedIso } from './troov.calendar';
import { TroovCallError, type TroovClient } from './troov.client';
import { isTimeZone } from '@slotwatch/provider-core';
import type { ResolvedTarget } from './troov.config';
import type { TroovAvailability, TroovZone } from './troov.schema';
import type { SessionKeeper } from './troov.session';

/** The part of the team info a check needs, cached per watch. */
interface TeamInfo {
  name: string;
  timezone?: string;
  zones: TroovZone[];
}

/** Failures that lose one day, not the whole check. */
const DAY_FAILURES = new Set(['http', 'timeout', 'network', 'upstream_shape']);

/**
 * One check: team info (cached) → booking window → exclude-days → availability for each remaining day.
 * Days excluded by TROOV count as answered "no slots"; a day whose call failed stays out of the scope.
 */
export async function runCheck(
  target: ResolvedTarget,
  ctx: CheckContext,
  deps: { client: TroovClient; sessions: SessionKeeper; teamCacheSeconds: number; windowCacheSeconds: number },
): Promise<Snapshot> {
  const { client, sessions } = deps;
  const team = await loadTeam(client, ctx, target, deps.teamCacheSeconds);
  const zone = serviceOf(team, target);
  const tz = target.timezone ?? team.timezone;
  if (!tz || !isTimeZone(tz)) {
    const why = `team ${team.name} gives no usable time zone (${tz ?? 'none'})`;
    throw new TargetError('timezone', `${why}; set the target's timezone, e.g. "America/Montreal"`);
  }
  const now = ctx.now();
  const today = localDay(now, tz);
  const window = await windowOf(client, target, zone, tz, now, ctx, deps.windowCacheSeconds);
  const days = daysBetween(window.start > today ? window.start : today, window.end);

  let renewed = false;
  const withSession = async <T>(call: (sessionId: string) => Promise<T>): Promise<T> => {
    try {
      return await call(await sessions.current());
    } catch (error) {
      if (!(error instanceof TroovCallError) || error.kind !== 'session_error' || renewed) throw error;
      renewed = true; // once per check: a session that expires twice in one check is not an expiry
      return call(await sessions.renew());
    }
  };

  const answered = new Set<string>();
  const slots = new Map<string, ObservedSlotV1>();
  const failed: { day: string; error: TroovCallError }[] = [];
  if (days.length > 0) {
    const excluded = new Set(
      await withSession((sessionId) => excludeDays(client, { ...target, sessionId, window: { start: days[0]!, end: days.at(-1)! } })),
    );
    // TROOV answers [] for the same day (research/troov.md §1.11), so today needs no call.
    for (const day of days) if (day === today || excluded.has(day)) answered.add(day);
  }
  for (const day of days.filter((d) => !answered.has(d))) {
    try {
      const times = await withSession((sessionId) => availability(client, { ...target, day, sessionId }));
      answered.add(day);
      for (const slot of toSlots(day, times, tz)) slots.set(slot.key, slot);
    } catch (error) {
      if (!(error instanceof TroovCallError)) throw error;
      if (error.kind === 'budget_exhausted' && answered.size > 0) {
        return {
          ...result('partial', answered, slots, client),
          reason: 'budget_exhausted',
          detail: `the request budget ran out after ${answered.size} of ${days.length} days; the rest waits for the next check`,
          retryAfter: error.info.retryAfter,
        };
      }
      if (!DAY_FAILURES.has(error.kind)) throw error;
      ctx.log.warn({ day, reason: reasonOf(error) }, `TROOV availability failed for ${day}: ${error.message}`);
      failed.push({ day, error });
    }
  }
  if (failed.length === 0) return result('ok', answered, slots, client);
  const first = failed[0]!.error;
  const list = failed.map((f) => f.day).join(', ');
  if (answered.size === 0) {
    return { ...result('error', answered, slots, client), reason: reasonOf(first), detail: `no day could be read; ${first.message}` };
  }
  return {
    ...result('partial', answered, slots, client),
    reason: reasonOf(first),
    detail: `${failed.length} of ${days.length} days failed (${list}); first error: ${first.message}`,
  };
}

export function reasonOf(error: TroovCallError): string {
  if (error.kind === 'http' || error.kind === 'rate_limited') return `http_${error.info.status ?? 'unknown'}`;
  return error.kind;
}

function result(status: Snapshot['status'], answered: Set<string>, slots: Map<string, ObservedSlotV1>, client: TroovClient): Snapshot {
  return {
    status,
    scope: { keys: [...answered].sort() },
    slots: [...slots.values()].sort((a, b) => a.key.localeCompare(b.key)),
    requests: client.requests,
  };
}

function toSlots(day: string, times: TroovAvailability, tz: string): ObservedSlotV1[] {
  return times
    .filter((t) => t.capacity === undefined || t.capacity > 0)
    .map((t) => ({
      key: `${day}T${t.time}`,
      startsAt: zonedIso(day, t.time, tz),
      scopeKey: day,
      attributes: { capacity: t.capacity ?? null, rate: t.rate ?? null },
    }));
}

async function loadTeam(client: TroovClient, ctx: CheckContext, target: ResolvedTarget, ttlSeconds: number): Promise<TeamInfo> {
  const key = `troov:team:${target.teamId}`;
  const cached = await ctx.state.get<TeamInfo>(key);
  if (cached) return cached;
  let team;
  try {
    team = await getTeam(client, target.teamId);
  } catch (error) {
    if (error instanceof TroovCallError && error.kind === 'http' && error.info.status === 404) {
      const why = `TROOV knows no team ${target.teamId} at ${target.baseUrl}`;
      throw new TargetError('teamId', `${why}; take the _id from GET /team/slug/<slug>`);
    }
    throw error;
  }
  const info: TeamInfo = {
    name: team.name,
    timezone: team.timezone,
    zones: team.reservations_shop_availabilty.map((z) => ({
      _id: z._id,
      name: z.name,
      is_open: z.is_open,
      dynamic_calendar: z.dynamic_calendar,
      dynamic_calendar_opening: z.dynamic_calendar_opening,
    })),
  };
  await ctx.state.set(key, info, ttlSeconds);
  return info;
}

/** The target's zone, or a TargetError that names the field to fix (a wrong name reads as "no slots" upstream). */
function serviceOf(team: TeamInfo, target: ResolvedTarget): TroovZone {
  const zone = team.zones.find((z) => z._id === target.serviceId);
  const known = team.zones.map((z) => `"${z.name}" (${z._id})`).join(', ');
  if (!zone) throw new TargetError('serviceId', `${team.name} has no service ${target.serviceId}; known: ${known || 'none'}`);
  if (zone.name !== target.serviceName) {
    throw new TargetError(
      'serviceName',
      `service ${zone._id} at ${team.name} is named "${zone.name}", not "${target.serviceName}"; ` +
        `TROOV matches names exactly, so use "${zone.name}"`,
    );
  }
  return zone;
}

/** get-interval, or the zone's dynamic_calendar when it fails (and always for the 2022 profile, which predates it). */
async function windowOf(
  client: TroovClient,
  target: ResolvedTarget,
  zone: TroovZone,
  tz: string,
  now: Date,
  ctx: CheckContext,
  cacheSeconds: number,
): Promise<{ start: string; end: string }> {
  const fallback = () => {
    if (!zone.dynamic_calendar) return undefined;
    return bookingWindow(zone.dynamic_calendar, zone.dynamic_calendar_opening, tz, now);
  };
  if (target.profile === '2022') {
    const window = fallback();
    if (window) return window;
  }
  // The window moves only at the daily release time and at local midnight: reuse it until then
  // (at most `cacheSeconds`), which saves a call on nearly every check.
  const cacheKey = `interval:${target.serviceId}`;
  const cached = cacheSeconds > 0 ? await ctx.state.get<{ start: string; end: string; validUntil: string }>(cacheKey) : undefined;
  if (cached && Date.parse(cached.validUntil) > now.getTime()) return { start: cached.start, end: cached.end };
  try {
    const window = await getInterval(client, target.teamId, target.serviceId);
    if (cacheSeconds > 0) {
      const validUntil = windowValidUntil(zone, tz, now, cacheSeconds);
      await ctx.state.set(cacheKey, { ...window, validUntil: validUntil.toISOString() }, Math.ceil((validUntil.getTime() - now.getTime()) / 1000));
    }
    return window;
  } catch (error) {
    const window = fallback();
    if (!(error instanceof TroovCallError) || !DAY_FAILURES.has(error.kind) || !window) throw error;
    ctx.log.info({ reason: reasonOf(error) }, 'TROOV get-interval failed; using the team\'s dynamic_calendar for the window');
    return window;
  }
}


/** The next moment the booking window can change: local midnight or the release time (capped). */
function windowValidUntil(zone: TroovZone, tz: string, now: Date, capSeconds: number): Date {
  const today = localDay(now, tz);
  const candidates = [zonedInstant(addDays(today, 1), '00:00', tz).getTime(), now.getTime() + capSeconds * 1000];
  const hour = Number(zone.dynamic_calendar_opening?.hour);
  const minute = Number(zone.dynamic_calendar_opening?.minute);
  if (Number.isFinite(hour)) {
    const hhmm = `${String(hour).padStart(2, '0')}:${String(Number.isFinite(minute) ? minute : 0).padStart(2, '0')}`;
    const release = zonedInstant(today, hhmm, tz).getTime();
    if (release > now.getTime()) candidates.push(release);
  }
  return new Date(Math.max(now.getTime() + 1000, Math.min(...candidates)));
}
