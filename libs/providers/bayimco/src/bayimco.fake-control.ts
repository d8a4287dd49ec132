import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from '@slotwatch/http/testing';
import { FakeControlError, type FakeRealm } from './bayimco.fake-realm';
import type { FakeAppointment, FakeAppointmentInput, FakeBayimcoWorld, FakeMode, FakeRateLimit } from './bayimco.fake-world';

/** Calls answered so far, by kind (control calls do not count). */
export interface FakeCounts {
  loginPage: number;
  loginPost: number;
  loginRefused: number;
  tokenCode: number;
  tokenRefresh: number;
  tokenRefused: number;
  /** appointments/next, every answer. */
  next: number;
  nextFound: number;
  nextNone: number;
  /** 404s given because the caller was past the rate limit. */
  nextRateLimited: number;
  nextFailed: number;
  /** 401s on any API call. */
  unauthorized: number;
  /** Other API calls (sites, vaccines, citizens…). */
  api: number;
}

export function zeroCounts(): FakeCounts {
  return { loginPage: 0, loginPost: 0, loginRefused: 0, tokenCode: 0, tokenRefresh: 0, tokenRefused: 0, next: 0, nextFound: 0, nextNone: 0, nextRateLimited: 0, nextFailed: 0, unauthorized: 0, api: 0 };
}

/** Drive the fake from a test (these methods) or over HTTP (`/_control/…`, see `handleControl`). */
export interface FakeBayimcoControl {
  now(): Date;
  setNow(at: Date | string): void;
  advance(ms: number): void;
  /** Offer an appointment (defaults: a week ahead, 14:35, vaccine 002, the first site). */
  offerAppointment(input?: FakeAppointmentInput): FakeAppointment;
  /** Withdraw every offered appointment and hold. */
  clearAppointments(): void;
  appointments(): ReturnType<FakeBayimcoWorld['offered']>;
  /** `slow500`: appointments/next waits `slowMs` (default 120 s, §4.3), then 500. `down`: every API call 503. */
  setMode(mode: FakeMode, slowMs?: number): void;
  setRateLimit(limit: FakeRateLimit | null): void;
  /** Forget the calls counted against the rate limit. */
  resetRateLimit(): void;
  /** Expire access tokens (API calls get 401), refresh tokens (invalid_grant "Token is not active"), or both. */
  expireTokens(kind?: 'access' | 'refresh' | 'all'): void;
  /** Log every session out: each refresh token fails with invalid_grant "Session not active". */
  endSessions(username?: string): void;
  setPassword(password: string, username?: string): void;
  /** Tokens as copied from a logged-in browser, for `{refreshToken}` credentials. */
  issueTokens(username?: string): { access_token: string; refresh_token: string; expires_in: number; refresh_expires_in: number };
  counts(): FakeCounts;
  tokens(): ReturnType<FakeRealm['counts']>;
  resetCounts(): void;
}

export function createControl(world: FakeBayimcoWorld, realm: FakeRealm, counts: FakeCounts): FakeBayimcoControl {
  return {
    now: () => world.now(),
    setNow: (at) => world.setNow(at),
    advance: (ms) => world.advance(ms),
    offerAppointment: (input) => world.offer(input),
    clearAppointments: () => world.clear(),
    appointments: () => world.offered(),
    setMode(mode, slowMs) {
      if (!['normal', 'slow500', 'down'].includes(mode)) throw new FakeControlError(`mode "${mode}" is unknown; use normal, slow500 or down`);
      world.mode = mode;
      if (slowMs !== undefined) world.slowMs = slowMs;
    },
    setRateLimit(limit) {
      world.rateLimit = limit;
    },
    resetRateLimit: () => world.resetLimits(),
    expireTokens: (kind = 'all') => realm.expire(kind),
    endSessions: (username) => realm.endSessions(username),
    setPassword(password, username) {
      world.account(username).password = password;
    },
    issueTokens: (username) => realm.issueFor(world.account(username).username) as ReturnType<FakeBayimcoControl['issueTokens']>,
    counts: () => ({ ...counts }),
    tokens: () => realm.counts(),
    resetCounts: () => void Object.assign(counts, zeroCounts()),
  };
}

/**
 * The control API over HTTP, JSON in and out, for end-to-end tests and `slotwatch demo`:
 *
 *   GET  /_control/state                  clock, mode, rate limit, offered appointments, counts, tokens
 *   POST /_control/now                    {"now": ISO} or {"advanceMs": n}
 *   GET  /_control/appointments           offered appointments with their holds
 *   POST /_control/appointments/offer     {"date"?, "time"?, "vaccineId"?, "siteId"?, "secondDate"?, "secondTime"?, "citizenId"?}
 *   POST /_control/appointments/clear
 *   POST /_control/mode                   {"mode": "normal" | "slow500" | "down", "slowMs"?: n}
 *   POST /_control/rate-limit             {"calls", "perSeconds", "per"?: "citizen" | "account"} or null
 *   POST /_control/rate-limit/reset
 *   POST /_control/tokens/expire          {"kind"?: "access" | "refresh" | "all"}
 *   POST /_control/tokens/issue           {"username"?} → Keycloak's token answer
 *   POST /_control/sessions/end           {"username"?}
 *   POST /_control/password               {"password", "username"?}
 *   GET  /_control/counts                 FakeCounts
 *   POST /_control/counts/reset
 */
export async function handleControl(req: IncomingMessage, res: ServerResponse, control: FakeBayimcoControl, world: FakeBayimcoWorld): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
  const text = req.method === 'POST' ? await readBody(req) : '';
  try {
    const body = (text.trim() ? JSON.parse(text) : {}) as Record<string, unknown> | null;
    const arg = (name: string) => (body && typeof body[name] === 'string' ? (body[name] as string) : undefined);
    const ok = () => sendJson(res, 200, { ok: true });
    switch (route) {
      case 'GET /_control/state':
        return sendJson(res, 200, { now: control.now().toISOString(), mode: world.mode, slowMs: world.slowMs, rateLimit: world.rateLimit, appointments: control.appointments(), counts: control.counts(), tokens: control.tokens() });
      case 'POST /_control/now':
        if (typeof body?.advanceMs === 'number') control.advance(body.advanceMs);
        else control.setNow(arg('now') ?? fail('"now" (ISO 8601) or "advanceMs" (a number) is required'));
        return sendJson(res, 200, { now: control.now().toISOString() });
      case 'GET /_control/appointments':
        return sendJson(res, 200, control.appointments());
      case 'POST /_control/appointments/offer':
        return sendJson(res, 200, control.offerAppointment((body ?? {}) as FakeAppointmentInput));
      case 'POST /_control/appointments/clear':
        control.clearAppointments();
        return ok();
      case 'POST /_control/mode':
        control.setMode((arg('mode') ?? fail('"mode" is required: normal, slow500 or down')) as FakeMode, typeof body?.slowMs === 'number' ? body.slowMs : undefined);
        return sendJson(res, 200, { mode: world.mode, slowMs: world.slowMs });
      case 'POST /_control/rate-limit':
        control.setRateLimit(body && typeof body.calls === 'number' && typeof body.perSeconds === 'number' ? (body as unknown as FakeRateLimit) : null);
        return sendJson(res, 200, { rateLimit: world.rateLimit });
      case 'POST /_control/rate-limit/reset':
        control.resetRateLimit();
        return ok();
      case 'POST /_control/tokens/expire': {
        const kind = arg('kind') ?? 'all';
        if (!['access', 'refresh', 'all'].includes(kind)) fail('"kind" must be access, refresh or all');
        control.expireTokens(kind as 'access' | 'refresh' | 'all');
        return ok();
      }
      case 'POST /_control/tokens/issue':
        return sendJson(res, 200, control.issueTokens(arg('username')));
      case 'POST /_control/sessions/end':
        control.endSessions(arg('username'));
        return ok();
      case 'POST /_control/password':
        control.setPassword(arg('password') ?? fail('"password" is required'), arg('username'));
        return ok();
      case 'GET /_control/counts':
        return sendJson(res, 200, control.counts());
      case 'POST /_control/counts/reset':
        control.resetCounts();
        return ok();
      default:
        return sendJson(res, 404, { error: `no control route ${route}; see bayimco.fake-control.ts for the list` });
    }
  } catch (error) {
    if (error instanceof FakeControlError || error instanceof SyntaxError) return sendJson(res, 400, { error: error.message });
    throw error;
  }
}

function fail(message: string): never {
  throw new FakeControlError(message);
}
