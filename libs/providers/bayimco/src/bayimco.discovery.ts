import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { HttpClient } from '@slotwatch/http';
import { MemoryProviderState, type ProviderState } from '@slotwatch/provider-core';
import pino from 'pino';
import { BayimcoCallError, parseJson, snippet, Upstream } from './bayimco.client';
import { BAYIMCO_CLIENT_ID, resolveTarget, spaUrl, type BayimcoTarget, type ResolvedTarget } from './bayimco.config';
import { readCredentials } from './bayimco.credentials';
import { inProcessLock } from './bayimco.lock';
import { Citizens, Districts, Sites } from './bayimco.schema';
import { SealedState } from './bayimco.seal';
import { TokenKeeper } from './bayimco.tokens';

/** One vaccination site, as a person picks it for `possibleSiteId`. */
export interface BayimcoSite {
  id: string;
  name: string;
  /** MAIN or SECONDARY (e.g. a vaccination bus); research/bayimco.md §3.8. */
  type: string | null;
  centerId: string;
  district: string;
  /** Missing on debug/dev sites, which is how to tell them apart. */
  address: Record<string, unknown> | null;
}

export interface DiscoveryOptions {
  /** `{refreshToken}` or `{username, password}`: every API call needs a login. */
  credentials: Record<string, unknown>;
  /** Where rotated tokens go; pass the watch's state to keep its refresh chain alive. */
  state?: ProviderState;
  /** The id the state was sealed under (the watch id) when `state` is a watch's. */
  watchId?: string;
  signal?: AbortSignal;
  now?: () => Date;
  timeoutMs?: number;
}

/**
 * Every site a citizen may pick, for `slotwatch bayimco sites`: districts/ → centers/{id}/sites, as
 * impformation.bayern walked them (§3.7, §3.8, §6.3). About 100 centres, so about 100 calls; these
 * endpoints are not the rate-limited one. Only `target.baseUrl`/`authUrl` are read from the target.
 * Throws `BayimcoCallError` for upstream trouble.
 */
export async function listSites(http: HttpClient, target: Partial<BayimcoTarget>, options: DiscoveryOptions): Promise<BayimcoSite[]> {
  const api = await session(http, target, options);
  const districts = await api.get('districts/', Districts);
  const sites: BayimcoSite[] = [];
  for (const district of districts) {
    for (const center of district.centers) {
      const centerId = String(center.id);
      for (const site of await api.get(`centers/${encodeURIComponent(centerId)}/sites`, Sites)) {
        sites.push({ id: site.id.toUpperCase(), name: site.name, type: site.type ?? null, centerId, district: district.name, address: site.address ?? null });
      }
    }
  }
  return sites;
}

/** The persons (citizen UUIDs) of the logged-in account, up to 5 (§3.4): what `target.citizenId` takes. */
export async function listCitizens(http: HttpClient, target: Partial<BayimcoTarget>, options: DiscoveryOptions): Promise<string[]> {
  const api = await session(http, target, options);
  return (await api.get('users/current/citizens', Citizens)).map((c) => c.id.toUpperCase());
}

async function session(http: HttpClient, raw: Partial<BayimcoTarget>, o: DiscoveryOptions) {
  // Any well-formed citizen id will do: discovery never calls a citizen's endpoints.
  const target: ResolvedTarget = resolveTarget({ citizenId: '00000000-0000-4000-8000-000000000000', ...raw } as BayimcoTarget);
  const creds = readCredentials(o.credentials);
  if (!creds.ok) throw new BayimcoCallError('no_credentials', creds.problems.join('; '));
  const now = o.now ?? (() => new Date());
  const up = new Upstream({ http, timeoutMs: o.timeoutMs ?? 30_000, signal: o.signal });
  const tokens = new TokenKeeper({
    up,
    kc: { authUrl: target.authUrl, clientId: BAYIMCO_CLIENT_ID, redirectUri: spaUrl(target.baseUrl) },
    sealed: new SealedState(o.state ?? new MemoryProviderState(), o.watchId ?? 'discovery', creds.credentials),
    credentials: creds.credentials,
    lock: inProcessLock,
    lockKey: `bayimco:refresh:${o.watchId ?? 'discovery'}`,
    now,
    log: pino({ level: 'silent' }),
  });
  return {
    async get<S extends TSchema>(path: string, schema: S): Promise<Static<S>> {
      let token = await tokens.access();
      let res = await up.send({ url: `${target.baseUrl}/${path}`, headers: { accept: 'application/json', authorization: `Bearer ${token}` } });
      if (res.status === 401) {
        token = await tokens.renew(token);
        res = await up.send({ url: `${target.baseUrl}/${path}`, headers: { accept: 'application/json', authorization: `Bearer ${token}` } });
      }
      if (res.status !== 200) throw new BayimcoCallError('http', `GET ${path} answered HTTP ${res.status}`, { status: res.status, body: snippet(res.text) });
      const body = parseJson(res.text);
      if (!Value.Check(schema, body)) {
        const first = Value.Errors(schema, body)[0];
        throw new BayimcoCallError('upstream_shape', `GET ${path} answered an unexpected shape (${first?.instancePath || '/'} ${first?.message ?? 'not JSON'})`, { body: snippet(res.text) });
      }
      return body;
    },
  };
}
