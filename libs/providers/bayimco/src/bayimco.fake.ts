import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { listenLoopback, sendJson } from '@slotwatch/http/testing';
import { FAKE_BAYIMCO_ACCOUNT, FAKE_BAYIMCO_OTHER_ACCOUNT, FAKE_DISTRICTS, fakeVaccines, type FakeAccount } from './bayimco.fake-data';
import { createControl, handleControl, zeroCounts, type FakeBayimcoControl, type FakeCounts } from './bayimco.fake-control';
import { handleKeycloak, REALM_PATH } from './bayimco.fake-keycloak';
import { FakeRealm } from './bayimco.fake-realm';
import { FakeBayimcoWorld, type FakeAppointmentInput, type FakeMode, type FakeRateLimit } from './bayimco.fake-world';

export interface FakeBayimcoOptions {
  /** Start the clock here (it then runs at real speed). */
  now?: Date | string;
  /** Default: FAKE_BAYIMCO_ACCOUNT (two citizens) and FAKE_BAYIMCO_OTHER_ACCOUNT. */
  accounts?: FakeAccount[];
  /** Appointments on offer from the start. */
  appointments?: FakeAppointmentInput[];
  /** 300 s upstream (research/bayimco.md §2.3). */
  accessTokenSeconds?: number;
  /** 1800 s upstream. */
  refreshTokenSeconds?: number;
  /** Keycloak's SSO session max, 10 h by default. */
  ssoSessionMaxSeconds?: number;
  /** 30 calls per 900 s per citizen by default (§4.1); `null` for none. */
  rateLimit?: FakeRateLimit | null;
  mode?: FakeMode;
  /** How long `slow500` hangs before its 500: about 2 minutes upstream (§4.3). */
  slowMs?: number;
}

export interface FakeBayimco {
  /** API base including /api/v1, for a target's `baseUrl`. */
  url: string;
  /** Keycloak realm base, for a target's `authUrl`. */
  authUrl: string;
  /** Base of the control endpoints (`…/_control`). */
  controlUrl: string;
  control: FakeBayimcoControl;
  close(): Promise<void>;
}

/**
 * A BayIMCO look-alike on loopback, API and Keycloak on one port, faithful to research/bayimco.md: the
 * same paths, fields and failure modes (404 for "none" and past the rate limit alike, slow 500s,
 * rotating refresh tokens). Tests and `slotwatch demo` use it; real upstreams are never called.
 */
export async function startFakeBayimco(options: FakeBayimcoOptions = {}): Promise<FakeBayimco> {
  const world = new FakeBayimcoWorld(
    options.accounts ?? [FAKE_BAYIMCO_ACCOUNT, FAKE_BAYIMCO_OTHER_ACCOUNT],
    options.rateLimit === undefined ? { calls: 30, perSeconds: 900 } : options.rateLimit,
    options.slowMs ?? 120_000,
  );
  if (options.now) world.setNow(options.now);
  world.mode = options.mode ?? 'normal';
  let origin = '';
  const realm = new FakeRealm(
    () => world.now().getTime(),
    { accessSeconds: options.accessTokenSeconds ?? 300, refreshSeconds: options.refreshTokenSeconds ?? 1800, ssoMaxSeconds: options.ssoSessionMaxSeconds ?? 36_000 },
    () => `${origin}${REALM_PATH}`,
  );
  for (const a of options.appointments ?? []) world.offer(a);
  const counts = zeroCounts();
  const control = createControl(world, realm, counts);
  const closing = new AbortController();

  const server = await listenLoopback((req, res) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const work = path.startsWith('/_control/')
      ? handleControl(req, res, control, world)
      : path.startsWith(`${REALM_PATH}/`)
        ? handleKeycloak(req, res, realm, world, counts, origin)
        : handleApi(req, res, world, realm, counts, closing.signal);
    work.catch((error: unknown) => {
      if (res.headersSent || closing.signal.aborted) return void res.destroy();
      sendJson(res, 500, { message: `fake BayIMCO failed: ${String(error)}` });
    });
  });
  origin = server.url;
  return {
    url: `${server.url}/api/v1`,
    authUrl: `${server.url}${REALM_PATH}`,
    controlUrl: `${server.url}/_control`,
    control,
    async close() {
      closing.abort(); // ends slow500 waits, or they would hold the process for two minutes
      await server.close();
    },
  };
}

/** Spring Boot's error body (§3.1): the same shape for 401, 403, 404 and 500. */
function springError(world: FakeBayimcoWorld, status: number, error: string, path: string) {
  return { timestamp: world.now().toISOString().replace('Z', '+00:00'), status, error, message: '', path };
}

async function handleApi(req: IncomingMessage, res: ServerResponse, world: FakeBayimcoWorld, realm: FakeRealm, counts: FakeCounts, closing: AbortSignal): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const path = url.pathname;
  const route = path.replace(/^\/api\/v1\//, '/').replace(/\/+$/, '');
  const isNext = /^\/citizens\/[^/]+\/appointments\/next$/.test(route);
  if (!path.startsWith('/api/v1/') || req.method !== 'GET') return sendJson(res, 404, springError(world, 404, 'Not Found', path));
  if (isNext) counts.next += 1;
  if (world.mode === 'down') {
    if (isNext) counts.nextFailed += 1;
    const html = '<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>';
    res.writeHead(503, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(html) });
    return void res.end(html);
  }
  const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const username = realm.user(bearer);
  if (!username) {
    counts.unauthorized += 1;
    return sendJson(res, 401, springError(world, 401, 'Unauthorized', path));
  }
  const account = world.accounts.get(username)!;
  const citizen = /^\/citizens\/([^/]+)/.exec(route)?.[1]?.toUpperCase();
  if (citizen && !account.citizens.some((c) => c.id === citizen)) return sendJson(res, 403, springError(world, 403, 'Forbidden', path));

  if (isNext) {
    if (world.overLimit(citizen!, username)) {
      counts.nextRateLimited += 1;
      return sendJson(res, 404, springError(world, 404, 'Not Found', path)); // past the limit: the same 404 as "none"
    }
    if (world.mode === 'slow500') {
      const gone = AbortSignal.any([closing, abortOnClose(res)]);
      await delay(world.slowMs, undefined, { signal: gone }).catch(() => undefined);
      counts.nextFailed += 1;
      if (gone.aborted) return void res.destroy();
      return sendJson(res, 500, springError(world, 500, 'Internal Server Error', path));
    }
    const invited = account.citizens.find((c) => c.id === citizen)?.invited !== false;
    const found = invited ? world.next(citizen!, { lastDate: url.searchParams.get('lastDate'), possibleSiteId: url.searchParams.get('possibleSiteId') }) : undefined;
    if (!found) {
      counts.nextNone += 1;
      return sendJson(res, 404, springError(world, 404, 'Not Found', path));
    }
    counts.nextFound += 1;
    const site = FAKE_DISTRICTS.flatMap((d) => d.centers.flatMap((c) => c.sites)).find((s) => s.id === found.siteId);
    return sendJson(res, 200, {
      firstVaccinationDate: found.date,
      firstVaccinationTime: found.time,
      secondVaccinationDate: found.secondDate,
      secondVaccinationTime: found.secondTime,
      siteId: found.siteId,
      site: site && { name: site.name, address: site.address },
      vaccineId: found.vaccineId,
      expiresAt: found.expiresAt,
    });
  }

  counts.api += 1;
  if (route === '/vaccines') return sendJson(res, 200, fakeVaccines());
  if (route === '/districts') {
    return sendJson(res, 200, FAKE_DISTRICTS.map((d) => ({ name: d.name, centers: d.centers.map((c) => ({ id: c.id, name: c.name, type: c.type, siteIds: c.sites.map((s) => s.id), address: c.sites[0]?.address ?? null })) })));
  }
  const center = /^\/centers\/([^/]+)\/sites$/.exec(route)?.[1];
  if (center) {
    const found = FAKE_DISTRICTS.flatMap((d) => d.centers).find((c) => c.id === decodeURIComponent(center));
    return found ? sendJson(res, 200, found.sites.map((s) => ({ id: s.id, name: s.name, type: s.type, ...(s.address && { address: s.address }) }))) : sendJson(res, 404, springError(world, 404, 'Not Found', path));
  }
  if (route === '/users/current/citizens') return sendJson(res, 200, account.citizens.map((c) => ({ id: c.id, invited: c.invited !== false })));
  if (citizen && route === `/citizens/${/^\/citizens\/([^/]+)/.exec(route)![1]}`) {
    return sendJson(res, 200, { uuid: citizen, invited: account.citizens.find((c) => c.id === citizen)?.invited !== false, deactivated: false });
  }
  if (citizen && /^\/citizens\/[^/]+\/appointments$/.test(route)) return sendJson(res, 200, { futureAppointments: [], pastAppointments: [] });
  return sendJson(res, 404, springError(world, 404, 'Not Found', path));
}

function abortOnClose(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => controller.abort());
  return controller.signal;
}
