import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from '@slotwatch/http/testing';
import type { FakeTeam } from './troov.fake-teams';
import { FakeControlError, type FakeTroovWorld } from './troov.fake-world';

/** Which endpoint a failure hits; `any` is every /api call, the handshake included. */
export type FakeEndpoint = 'any' | 'handshake' | 'team' | 'session' | 'get-interval' | 'exclude-days' | 'availability';

/** Trouble to inject. Without `status`, `html` or `empty`, only `delayMs` applies (a slow answer). */
export interface FakeFailure {
  endpoint?: FakeEndpoint;
  /** Only availability calls for this day (`YYYY-MM-DD`). */
  day?: string;
  /** Answer this status (500, 502, 503, 429…) with a JSON error body. */
  status?: number;
  /** Answer the maintenance page ("Une erreur est survenue") as text/html, with `status` (default 200). */
  html?: boolean;
  /** Answer 200 with an empty body, as for an expired x-gouv-app-id (research/troov.md §2). */
  empty?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Retry-After seconds sent with a 429 (default 60). */
  retryAfterSeconds?: number;
  /** Apply this many times, then stop (default: until cleared). */
  times?: number;
}

/** 429 above `calls` per `perSeconds`, over every /api call. */
export interface FakeRateLimit {
  calls: number;
  perSeconds: number;
  /** Retry-After seconds; `null` sends no header. Default `perSeconds`. */
  retryAfterSeconds?: number | null;
}

export interface FakeRequestLogEntry {
  at: string;
  method: string;
  path: string;
  status: number;
  /** The anti-bot headers as sent (x-gouv-app-id, x-csrf-token, x-gouv-web, x-troov-web). */
  headers: Record<string, string>;
}

/** What the fake's behaviour depends on besides the world; the server reads it on every call. */
export interface FakeRuntime {
  failures: FakeFailure[];
  rateLimit: FakeRateLimit | null;
  captcha: { enabled: boolean; token?: string };
  log: FakeRequestLogEntry[];
  count: number;
}

/** Drive the fake from a test (these methods) or over HTTP (`/_control/…`, see `handleControl`). */
export interface FakeTroovControl {
  now(): Date;
  setNow(at: Date | string): void;
  advance(ms: number): void;
  openSlot(day: string, time: string, serviceId?: string): void;
  closeSlot(day: string, time: string, serviceId?: string): void;
  /** Make every slot free (`openAll`) or none (`closeAll`), forgetting single opens and closes. */
  openAll(): void;
  closeAll(): void;
  /** Free slots a client can see now: in the window, after today. */
  freeSlots(serviceId?: string): { day: string; time: string }[];
  /** Every slot the zone offers in the visible window, free or not (to pick ones to open). */
  bookableSlots(serviceId?: string): { day: string; time: string }[];
  /** Replace the injected failures; `null` clears them. */
  setFailure(failure: FakeFailure | FakeFailure[] | null): void;
  setCaptcha(enabled: boolean, token?: string): void;
  setRateLimit(limit: FakeRateLimit | null): void;
  expireSessions(): void;
  expireHandshakes(): void;
  /** /api calls answered so far (control calls do not count). */
  requestCount(): number;
  requests(): FakeRequestLogEntry[];
  resetRequests(): void;
  teams(): FakeTeam[];
}

export function createControl(world: FakeTroovWorld, rt: FakeRuntime): FakeTroovControl {
  return {
    now: () => world.now(),
    setNow: (at) => world.setNow(at),
    advance: (ms) => world.advance(ms),
    openSlot: (day, time, serviceId) => world.openSlot({ day, time, serviceId }),
    closeSlot: (day, time, serviceId) => world.closeSlot({ day, time, serviceId }),
    openAll: () => world.setAllFree(true),
    closeAll: () => world.setAllFree(false),
    freeSlots: (serviceId) => world.freeSlots(serviceId),
    bookableSlots: (serviceId) => world.bookableSlots(serviceId),
    setFailure(failure) {
      rt.failures = failure === null ? [] : Array.isArray(failure) ? [...failure] : [failure];
    },
    setCaptcha(enabled, token) {
      rt.captcha = { enabled, token };
    },
    setRateLimit(limit) {
      rt.rateLimit = limit;
    },
    expireSessions: () => world.expireSessions(),
    expireHandshakes: () => world.expireHandshakes(),
    requestCount: () => rt.count,
    requests: () => [...rt.log],
    resetRequests() {
      rt.count = 0;
      rt.log.length = 0;
    },
    teams: () => world.teams,
  };
}

/**
 * The control API over HTTP, JSON in and out, for end-to-end tests and `slotwatch demo`:
 *
 *   GET  /_control/state                 clock, request count, failures, captcha, rate limit
 *   POST /_control/now                   {"now": ISO} or {"advanceMs": n}
 *   GET  /_control/slots[?serviceId=]    free slots a client can see (window, after today)
 *   POST /_control/slots/open            {"day","time","serviceId"?}
 *   POST /_control/slots/close           {"day","time","serviceId"?}
 *   POST /_control/slots/open-all        every slot free
 *   POST /_control/slots/close-all       no slot free
 *   POST /_control/failure               a FakeFailure, an array of them, or null to clear
 *   POST /_control/captcha               {"enabled": bool, "token"?: string}
 *   POST /_control/rate-limit            a FakeRateLimit or null
 *   POST /_control/sessions/expire
 *   POST /_control/handshakes/expire
 *   GET  /_control/requests              {"count", "log"}
 *   POST /_control/requests/reset
 *   GET  /_control/teams                 the team objects
 */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  control: FakeTroovControl,
  rt: FakeRuntime,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
  const text = req.method === 'POST' ? await readBody(req) : '';
  try {
    const body = (text.trim() ? JSON.parse(text) : {}) as Record<string, unknown> | null;
    const arg = (name: string) => (body && typeof body[name] === 'string' ? (body[name] as string) : undefined);
    const need = (name: string) => arg(name) ?? fail(`"${name}" is required (a string)`);
    switch (route) {
      case 'GET /_control/state':
        return sendJson(res, 200, {
          now: control.now().toISOString(),
          requestCount: control.requestCount(),
          failures: rt.failures,
          captcha: rt.captcha.enabled,
          rateLimit: rt.rateLimit,
        });
      case 'POST /_control/now':
        if (typeof body?.advanceMs === 'number') control.advance(body.advanceMs);
        else control.setNow(need('now'));
        return sendJson(res, 200, { now: control.now().toISOString() });
      case 'GET /_control/slots':
        return sendJson(res, 200, control.freeSlots(url.searchParams.get('serviceId') ?? undefined));
      case 'POST /_control/slots/open':
        control.openSlot(need('day'), need('time'), arg('serviceId'));
        return sendJson(res, 200, { ok: true });
      case 'POST /_control/slots/close':
        control.closeSlot(need('day'), need('time'), arg('serviceId'));
        return sendJson(res, 200, { ok: true });
      case 'POST /_control/slots/open-all':
        control.openAll();
        return sendJson(res, 200, { ok: true });
      case 'POST /_control/slots/close-all':
        control.closeAll();
        return sendJson(res, 200, { ok: true });
      case 'POST /_control/failure':
        control.setFailure(text.trim() ? (body as FakeFailure | FakeFailure[] | null) : null);
        return sendJson(res, 200, { failures: rt.failures });
      case 'POST /_control/captcha':
        if (typeof body?.enabled !== 'boolean') fail('"enabled" is required (true or false)');
        control.setCaptcha(body.enabled as boolean, arg('token'));
        return sendJson(res, 200, { captcha: rt.captcha.enabled });
      case 'POST /_control/rate-limit':
        control.setRateLimit(body && typeof body.calls === 'number' ? (body as unknown as FakeRateLimit) : null);
        return sendJson(res, 200, { rateLimit: rt.rateLimit });
      case 'POST /_control/sessions/expire':
        control.expireSessions();
        return sendJson(res, 200, { ok: true });
      case 'POST /_control/handshakes/expire':
        control.expireHandshakes();
        return sendJson(res, 200, { ok: true });
      case 'GET /_control/requests':
        return sendJson(res, 200, { count: control.requestCount(), log: control.requests() });
      case 'POST /_control/requests/reset':
        control.resetRequests();
        return sendJson(res, 200, { ok: true });
      case 'GET /_control/teams':
        return sendJson(res, 200, control.teams());
      default:
        return sendJson(res, 404, { error: `no control route ${route}; see troov.fake-control.ts for the list` });
    }
  } catch (error) {
    if (error instanceof FakeControlError || error instanceof SyntaxError) return sendJson(res, 400, { error: error.message });
    throw error;
  }
}

function fail(message: string): never {
  throw new FakeControlError(message);
}
