import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { listenLoopback, readBody, sendJson } from '@slotwatch/http/testing';
import {
  createControl,
  handleControl,
  type FakeEndpoint,
  type FakeFailure,
  type FakeRateLimit,
  type FakeRequestLogEntry,
  type FakeRuntime,
  type FakeTroovControl,
} from './troov.fake-control';
import { kinshasaTeam, montrealTeam, type FakeTeam } from './troov.fake-teams';
import { FakeTroovWorld, type FakeSlotRef } from './troov.fake-world';

export interface FakeTroovOptions {
  /** `current` (default): handshake and x-gouv-* headers required, 418 without. `2022`: open API, `avaibility` path. */
  profile?: 'current' | '2022';
  /** Start the clock here (it then runs at real speed). */
  now?: Date | string;
  /** Default: Montréal (four zones, America/Montreal) and Kinshasa (one zone, Africa/Kinshasa). */
  teams?: FakeTeam[];
  /** Which slots start free: none (default, every day excluded as full), all, or a list. */
  freeSlots?: 'none' | 'all' | FakeSlotRef[];
  /** 30 min upstream (research/troov.md §1.5). */
  sessionTtlSeconds?: number;
  /** The real lifetime is undocumented; 10 min here. */
  handshakeTtlSeconds?: number;
  /** Session creation needs a `captcha` field (any non-empty value, or exactly `token`). */
  captcha?: boolean | { token: string };
  rateLimit?: FakeRateLimit;
  /** What a known but expired x-gouv-app-id gets: 418 (2026) or 200 with an empty body (bogota, Dec 2023). */
  expiredAppId?: 'teapot' | 'empty-body';
  failures?: FakeFailure[];
}

export interface FakeTroov {
  /** Base URL including `/api`, to put in a target's `baseUrl`. */
  url: string;
  /** Base URL of the control endpoints (`…/_control`). */
  controlUrl: string;
  control: FakeTroovControl;
  close(): Promise<void>;
}

const TEAPOT = { name: 'ImATeapotError', type: 'IM_A_TEAPOT_ERROR_418', status: 418, message: '¯\\_(ツ)_/¯ 😅' };
const SESSION_ERROR = { message: 'SESSION_ERROR' };
const MAINTENANCE =
  '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Une erreur est survenue</title></head>' +
  '<body><h1>Une erreur est survenue</h1><p>Le service est momentanément indisponible.</p></body></html>';

/**
 * A TROOV look-alike on loopback, faithful to research/troov.md: same paths, fields, spellings and
 * failure modes. Tests and `slotwatch demo` use it; real upstreams are never called from tests.
 */
export async function startFakeTroov(options: FakeTroovOptions = {}): Promise<FakeTroov> {
  const profile = options.profile ?? 'current';
  const start = options.now ? new Date(options.now) : new Date();
  const teams = options.teams ?? [montrealTeam(start.getUTCFullYear()), kinshasaTeam(start.getUTCFullYear())];
  const world = new FakeTroovWorld(teams, {
    sessionSeconds: options.sessionTtlSeconds ?? 30 * 60,
    handshakeSeconds: options.handshakeTtlSeconds ?? 600,
  });
  if (options.now) world.setNow(options.now);
  if (options.freeSlots === 'all') world.setAllFree(true);
  else if (Array.isArray(options.freeSlots)) for (const ref of options.freeSlots) world.openSlot(ref);
  const captcha = options.captcha;
  const rt: FakeRuntime = {
    failures: [...(options.failures ?? [])],
    rateLimit: options.rateLimit ?? null,
    captcha: { enabled: !!captcha, token: typeof captcha === 'object' ? captcha.token : undefined },
    log: [],
    count: 0,
  };
  const control = createControl(world, rt);
  const hits: number[] = [];
  const api = new FakeApi(world, rt, profile, options.expiredAppId ?? 'teapot', hits);

  const server = await listenLoopback((req, res) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const work = path.startsWith('/_control/') ? handleControl(req, res, control, rt) : api.handle(req, res);
    work.catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { message: `fake TROOV failed: ${String(error)}` });
      else res.destroy();
    });
  });
  return { url: `${server.url}/api`, controlUrl: `${server.url}/_control`, control, close: server.close };
}

type Reply = (status: number, body?: unknown, headers?: Record<string, string>) => void;

class FakeApi {
  constructor(
    private readonly world: FakeTroovWorld,
    private readonly rt: FakeRuntime,
    private readonly profile: 'current' | '2022',
    private readonly expiredAppId: 'teapot' | 'empty-body',
    private readonly hits: number[],
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/^\/api(?=\/)/, '');
    const text = await readBody(req);
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    this.rt.count += 1;
    const entry: FakeRequestLogEntry = { at: this.world.now().toISOString(), method, path: url.pathname + url.search, status: 0, headers: {} };
    for (const h of ['x-gouv-app-id', 'x-csrf-token', 'x-gouv-web', 'x-troov-web']) {
      const v = header(h);
      if (v) entry.headers[h] = v;
    }
    this.rt.log.push(entry);
    if (this.rt.log.length > 1000) this.rt.log.shift();
    const reply: Reply = (status, body, headers = {}) => {
      entry.status = status;
      if (body === undefined) {
        res.writeHead(status, { 'content-length': '0', ...headers });
        res.end();
      } else if (typeof body === 'string') {
        const length = String(Buffer.byteLength(body));
        res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': length, ...headers });
        res.end(method === 'HEAD' ? undefined : body);
      } else sendJson(res, status, body, headers);
    };
    if (!url.pathname.startsWith('/api/')) return reply(404, { message: 'Not Found' });

    const limited = this.rateLimited();
    if (limited !== undefined) return reply(429, { message: 'Too Many Requests' }, limited);
    const failure = this.takeFailure(endpointOf(method, path), url.searchParams.get('date'));
    if (failure?.delayMs) await delay(failure.delayMs);
    if (failure?.html) return reply(failure.status ?? 200, MAINTENANCE);
    if (failure?.empty) return reply(200);
    if (failure?.status === 429) {
      return reply(429, { message: 'Too Many Requests' }, { 'retry-after': String(failure.retryAfterSeconds ?? 60) });
    }
    if (failure?.status) return reply(failure.status, { statusCode: failure.status, message: 'Internal Server Error' });

    if (method === 'HEAD' && path === '/handshake') {
      if (this.profile === '2022') return reply(404);
      const { appId, token } = this.world.handshake();
      return reply(200, undefined, {
        'x-gouv-app-id': appId,
        'x-gouv-handshake': token,
        'access-control-expose-headers': 'x-gouv-ck, x-gouv-csrf, x-gouv-limit, x-gouv-app-id, x-gouv-handshake',
      });
    }
    const appId = header('x-gouv-app-id');
    if (this.profile === 'current') {
      const status = this.world.appIdStatus(appId);
      if (status === 'expired' && this.expiredAppId === 'empty-body') return reply(200);
      if (status !== 'valid' || header('x-gouv-web') !== 'fr.gouv.consulat') return reply(418, TEAPOT);
      if (method === 'POST' && !this.world.tokenValid(appId, header('x-csrf-token'))) return reply(418, TEAPOT);
    }
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = text.trim() ? JSON.parse(text) : {};
      if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
    } catch {
      return reply(400, { message: 'BAD_REQUEST' });
    }
    return this.route(method, path, url.searchParams, body, appId, reply);
  }

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: Record<string, unknown>,
    appId: string | undefined,
    reply: Reply,
  ): void {
    const w = this.world;
    if (method === 'GET' && path === '/teams') {
      const name = (query.get('name') ?? '').toLowerCase();
      return reply(200, w.teams.filter((t) => t.name.toLowerCase().includes(name)));
    }
    const bySlug = /^\/team\/slug\/([^/]+)$/.exec(path);
    if (method === 'GET' && bySlug) {
      const team = w.team(decodeURIComponent(bySlug[1]!));
      return team ? reply(200, team) : reply(404, { message: 'NOT_FOUND' });
    }
    const m = /^\/team\/([0-9a-f]{24})(\/.*)?$/.exec(path);
    const team = m ? w.team(m[1]!) : undefined;
    if (!m || !team) return reply(404, { message: 'NOT_FOUND' });
    const rest = `${method} ${m[2] ?? ''}`;
    const zoneById = (id: unknown) => team.reservations_shop_availabilty.find((z) => z._id === id);

    switch (rest) {
      case 'GET ':
        return reply(200, team);
      case 'POST /reservations-session': {
        // 2026: a `sessionId` key in this body is refused with 404 (research/troov.md §1.5).
        if (this.profile === 'current' && 'sessionId' in body) return reply(404, SESSION_ERROR);
        const { enabled, token } = this.rt.captcha;
        const given = typeof body.captcha === 'string' ? body.captcha : '';
        if (enabled && (given === '' || (token !== undefined && given !== token))) return reply(400, { message: 'CAPTCHA_FAILED' });
        const id = w.createSession(team._id);
        const rotated = this.profile === 'current' && appId ? { 'x-gouv-handshake': w.rotateToken(appId) } : undefined;
        return reply(200, sessionObject(id, team._id, body.standaloneServiceName), rotated);
      }
      case 'GET /reservations-session': {
        const id = query.get('sessionId');
        if (!id || !w.sessionValid(id, team._id)) return reply(404, SESSION_ERROR);
        return reply(200, sessionObject(id, team._id, query.get('standaloneServiceName')));
      }
      case 'GET /reservations/get-interval': {
        const zone = zoneById(query.get('serviceId'));
        return zone ? reply(200, w.window(team, zone)) : reply(404, { message: 'NOT_FOUND' });
      }
      case 'POST /reservations/exclude-days': {
        const ids = body.session && typeof body.session === 'object' ? Object.keys(body.session) : [];
        const zones = ids.map(zoneById).filter((z) => z !== undefined);
        if (zones.length === 0) return reply(400, { message: 'BAD_REQUEST' });
        const sessionId = typeof body.sessionId === 'string' ? body.sessionId : undefined;
        if ((this.profile === 'current' || sessionId) && !w.sessionValid(sessionId, team._id)) return reply(404, SESSION_ERROR);
        return reply(200, w.excludedDays(team, zones));
      }
      case 'GET /reservations/availability':
      case 'GET /reservations/avaibility': {
        // The misspelt path died on 2022-06-08 and the right one came then (research/troov.md §4).
        if (rest.endsWith('avaibility') !== (this.profile === '2022')) return reply(404, { message: 'Not Found' });
        if (!w.sessionValid(query.get('sessionId'), team._id)) return reply(404, SESSION_ERROR);
        return reply(200, w.availability(team, query.get('name'), query.get('date')));
      }
      default:
        return reply(404, { message: 'Not Found' });
    }
  }

  /** Retry-After headers when the call is over the limit, else undefined. */
  private rateLimited(): Record<string, string> | undefined {
    const limit = this.rt.rateLimit;
    if (!limit) return undefined;
    const now = Date.now();
    while (this.hits.length && this.hits[0]! <= now - limit.perSeconds * 1000) this.hits.shift();
    this.hits.push(now);
    if (this.hits.length <= limit.calls) return undefined;
    const after = limit.retryAfterSeconds === undefined ? limit.perSeconds : limit.retryAfterSeconds;
    return after === null ? {} : { 'retry-after': String(after) };
  }

  private takeFailure(endpoint: FakeEndpoint, day: string | null): FakeFailure | undefined {
    const i = this.rt.failures.findIndex((f) => {
      const where = !f.endpoint || f.endpoint === 'any' || f.endpoint === endpoint;
      return where && (!f.day || (endpoint === 'availability' && f.day === day));
    });
    const failure = this.rt.failures[i];
    if (!failure) return undefined;
    if (failure.times !== undefined) {
      if (failure.times <= 1) this.rt.failures.splice(i, 1);
      else this.rt.failures[i] = { ...failure, times: failure.times - 1 };
    }
    return failure;
  }
}

function endpointOf(method: string, path: string): FakeEndpoint {
  if (path === '/handshake') return 'handshake';
  if (path.endsWith('/reservations-session')) return 'session';
  if (path.endsWith('/reservations/get-interval')) return 'get-interval';
  if (path.endsWith('/reservations/exclude-days')) return 'exclude-days';
  if (/\/reservations\/(availability|avaibility)$/.test(path)) return 'availability';
  if (method === 'GET' && path.startsWith('/team')) return 'team';
  return 'any';
}

/** The session as the front-end store holds it (research/troov.md §1.5); bots read only `_id`. */
function sessionObject(id: string, teamId: string, standalone: unknown) {
  return {
    _id: id,
    team: teamId,
    servicesStep: { key: 'servicesStep', value: { services: [], numberOfApplicants: 1 }, stepIndex: 0 },
    importantInformationStep: null,
    numberOfApplicantsStep: null,
    slotsSteps: [],
    mainContactDetailsStep: null,
    secondaryContactsDetailsStep: null,
    confirmationSummaryStep: null,
    askConfirmationStep: null,
    stepIndex: 0,
    standalone_service_name: typeof standalone === 'string' ? standalone : null,
  };
}
