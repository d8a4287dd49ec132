import { setTimeout as delay } from 'node:timers/promises';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { HttpNetworkError, HttpTimeoutError, parseRetryAfter, type HttpClient, type HttpResponse } from '@slotwatch/http';
import type { ProviderState, RequestBudget } from '@slotwatch/provider-core';
import type { TroovProfile } from './troov.config';

/** What went wrong with one upstream call; the adapter turns each kind into a snapshot status. */
export type TroovFailureKind =
  | 'rate_limited' // 429
  | 'budget_exhausted' // the shared budget refused the call before it was made
  | 'session_error' // 404 {"message":"SESSION_ERROR"}: session expired or unknown
  | 'handshake_refused' // 418 even with fresh handshake headers
  | 'app_id_expired' // 200 with an empty body (research/troov.md §2, bogota Dec 2023)
  | 'captcha_required' // session creation wants a captcha token
  | 'session_refused' // session creation refused for another reason
  | 'http' // any other non-2xx
  | 'upstream_shape' // HTML or not the JSON the spec describes
  | 'timeout'
  | 'network';

export class TroovCallError extends Error {
  override readonly name = 'TroovCallError';
  constructor(
    readonly kind: TroovFailureKind,
    message: string,
    readonly info: { status?: number; retryAfter?: Date; body?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Without Retry-After, wait as long as the bogota bot did after a 429 (90 s, research/troov.md §2). */
const DEFAULT_RETRY_AFTER_MS = 90_000;
const HANDSHAKE_KEY = 'troov:handshake';

interface Handshake {
  appId: string;
  csrf: string;
  expiresAt: number;
}

export interface TroovClientOptions {
  http: HttpClient;
  baseUrl: string;
  profile: TroovProfile;
  now: () => Date;
  /** Where the handshake is cached between checks; memory only when absent. */
  state?: ProviderState;
  /** Reserve every call here before it is made. */
  budget?: { store: RequestBudget; bucket: string; limit: { calls: number; perSeconds: number } };
  signal?: AbortSignal;
  /** Least time between two calls of this client. */
  minGapMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  timeoutMs?: number;
  handshakeTtlSeconds?: number;
}

export interface CallOptions {
  query?: Record<string, string>;
  /** JSON body; `null` sends none. */
  body?: unknown;
}

/**
 * One conversation with TROOV: the profile's headers, the handshake (cached, refreshed on 418), the
 * shared budget and a gap before every call, and upstream trouble turned into `TroovCallError`.
 */
export class TroovClient {
  /** Upstream calls made, including handshakes and retries. */
  requests = 0;
  private handshake: Handshake | undefined;
  private lastCallAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: TroovClientOptions) {}

  /** Call an endpoint that answers JSON and check the answer against `schema`. */
  async json<S extends TSchema>(method: 'GET' | 'POST', path: string, schema: S, call: CallOptions = {}): Promise<unknown> {
    const res = await this.send(method, path, call);
    const what = `${method} ${path}`;
    const info = { status: res.status, body: snippet(res.text) };
    if (res.text.trim() === '') {
      const message = `${what} answered ${res.status} with an empty body, the sign of an expired x-gouv-app-id`;
      throw new TroovCallError('app_id_expired', message, info);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.text);
    } catch (cause) {
      const got = aside(res) ? `an HTML page${titleOf(res.text)}` : `unreadable ${res.headers['content-type'] ?? 'text'}`;
      const message = `${what} answered ${got} where JSON was expected; the service may be down for maintenance`;
      throw new TroovCallError('upstream_shape', message, info, { cause });
    }
    if (!Value.Check(schema, parsed)) {
      const first = Value.Errors(schema, parsed)[0];
      const where = `${first?.instancePath || '/'} ${first?.message ?? ''}`.trim();
      throw new TroovCallError('upstream_shape', `${what} answered JSON of an unexpected shape (${where})`, info);
    }
    return parsed;
  }

  /** Send with the profile's headers; a 418 or an empty 200 gets one retry with a fresh handshake. */
  async send(method: 'GET' | 'POST' | 'HEAD', path: string, call: CallOptions = {}): Promise<HttpResponse> {
    const what = `${method} ${path}`;
    let res = await this.raw(method, path, call, await this.headers(false));
    const empty = res.status === 200 && method !== 'HEAD' && res.text.trim() === '';
    if (this.o.profile === 'current' && (res.status === 418 || empty)) {
      res = await this.raw(method, path, call, await this.headers(true));
      if (res.status === 418) {
        const message = `${what} answered 418 (anti-bot) even with fresh handshake headers`;
        throw new TroovCallError('handshake_refused', message, { status: 418 });
      }
    }
    this.throwIfRateLimited(res, what);
    if (res.status >= 200 && res.status < 300) return res;
    if (res.status === 404 && messageOf(res.text) === 'SESSION_ERROR') {
      throw new TroovCallError('session_error', `${what}: session expired or unknown (404 SESSION_ERROR)`, { status: 404 });
    }
    const info = { status: res.status, body: snippet(res.text) };
    throw new TroovCallError('http', `${what} answered HTTP ${res.status}${aside(res)}`, info);
  }

  private throwIfRateLimited(res: HttpResponse, what: string): void {
    if (res.status !== 429) return;
    const now = this.o.now();
    const wait = parseRetryAfter(res.headers['retry-after'], now) ?? DEFAULT_RETRY_AFTER_MS;
    throw new TroovCallError('rate_limited', `${what} answered 429 Too Many Requests`, {
      status: 429,
      retryAfter: new Date(now.getTime() + wait),
    });
  }

  private async headers(fresh: boolean): Promise<Record<string, string>> {
    if (this.o.profile === '2022') return { accept: 'application/json', 'x-troov-web': 'com.troov.web' };
    const hs = await this.currentHandshake(fresh);
    return {
      accept: 'application/json',
      'x-gouv-app-id': hs.appId,
      'x-csrf-token': hs.csrf,
      'x-gouv-web': 'fr.gouv.consulat',
      // The front end's own origin; in 2026 calls without it failed erratically (research/troov.md §1.5).
      origin: 'https://consulat.gouv.fr',
      referer: 'https://consulat.gouv.fr/',
    };
  }

  private async currentHandshake(fresh: boolean): Promise<Handshake> {
    const now = this.o.now().getTime();
    if (!fresh) {
      this.handshake ??= await this.o.state?.get<Handshake>(HANDSHAKE_KEY);
      if (this.handshake && this.handshake.expiresAt > now) return this.handshake;
    }
    const res = await this.raw('HEAD', '/handshake', {}, { 'x-gouv-web': 'fr.gouv.consulat' });
    this.throwIfRateLimited(res, 'HEAD /handshake');
    if (res.status < 200 || res.status >= 300) {
      throw new TroovCallError('http', `HEAD /handshake answered HTTP ${res.status}${aside(res)}`, { status: res.status });
    }
    const appId = res.headers['x-gouv-app-id'];
    const csrf = res.headers['x-gouv-handshake'];
    if (!appId || !csrf) {
      const message = `HEAD /handshake answered without x-gouv-app-id / x-gouv-handshake headers${aside(res)}`;
      throw new TroovCallError('upstream_shape', message, { status: res.status });
    }
    const ttl = this.o.handshakeTtlSeconds ?? 600;
    this.handshake = { appId, csrf, expiresAt: now + ttl * 1000 };
    await this.o.state?.set(HANDSHAKE_KEY, this.handshake, ttl);
    return this.handshake;
  }

  private async raw(
    method: 'GET' | 'POST' | 'HEAD',
    path: string,
    call: CallOptions,
    headers: Record<string, string>,
  ): Promise<HttpResponse> {
    const url = new URL(this.o.baseUrl + path);
    for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
    const body = call.body === undefined || call.body === null ? undefined : JSON.stringify(call.body);
    if (this.o.budget) {
      const granted = await this.o.budget.store.take(this.o.budget.bucket, this.o.budget.limit);
      if (!granted.ok) {
        const message = `the request budget for ${this.o.budget.bucket} is spent`;
        throw new TroovCallError('budget_exhausted', message, { retryAfter: granted.retryAfter });
      }
    }
    const wait = this.lastCallAt + (this.o.minGapMs ?? 0) - performance.now();
    if (wait > 0) await (this.o.sleep ?? sleep)(wait, this.o.signal);
    this.lastCallAt = performance.now();
    this.requests += 1;
    let res: HttpResponse;
    try {
      res = await this.o.http.request({
        method,
        url: url.toString(),
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body,
        timeoutMs: this.o.timeoutMs,
        signal: this.o.signal,
      });
    } catch (error) {
      const what = `${method} ${path}: ${error instanceof Error ? error.message : String(error)}`;
      if (error instanceof HttpTimeoutError) throw new TroovCallError('timeout', what, {}, { cause: error });
      if (error instanceof HttpNetworkError) throw new TroovCallError('network', what, {}, { cause: error });
      throw error;
    }
    // Session creation hands out a new token that later POSTs must carry (research/troov.md §1.1).
    const rotated = res.headers['x-gouv-handshake'];
    if (this.handshake && rotated && path !== '/handshake' && rotated !== this.handshake.csrf) {
      this.handshake = { ...this.handshake, csrf: rotated };
      const ttl = Math.max(1, Math.round((this.handshake.expiresAt - this.o.now().getTime()) / 1000));
      await this.o.state?.set(HANDSHAKE_KEY, this.handshake, ttl);
    }
    return res;
  }
}

async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal });
}

/** What a failed answer said: its JSON `message`, or that it was an HTML page (maintenance, proxy error). */
function aside(res: HttpResponse): string {
  const message = messageOf(res.text);
  if (message) return ` (${message})`;
  if (/html/i.test(res.headers['content-type'] ?? '') || /^\s*</.test(res.text)) {
    return ` (an HTML page${titleOf(res.text)}: the service may be down for maintenance)`;
  }
  return '';
}

function titleOf(html: string): string {
  const title = /<title>([^<]*)<\/title>/i.exec(html)?.[1]?.trim();
  return title ? ` ("${title}")` : '';
}

function messageOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    return typeof body?.message === 'string' ? body.message : undefined;
  } catch {
    return undefined;
  }
}

export function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
