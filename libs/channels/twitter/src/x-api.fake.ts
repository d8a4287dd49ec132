/**
 * A fake X API v2 (`POST /2/tweets`) for tests and the end-to-end suite. Like X it:
 * - checks OAuth 1.0a (RFC 5849 §3.4 HMAC-SHA1 over the signature base string, with its own
 *   implementation, not the client library's), the consumer key, the user token, the timestamp
 *   (±5 min) and nonce reuse → 401;
 * - counts posts per user in a window (100 per 15 min by default) and answers every request with
 *   `x-rate-limit-limit/remaining/reset` and `x-user-limit-24hour-*`, and 429 once spent;
 * - answers 403 "You are not allowed to create a Tweet with duplicate content." to a repeated text;
 * - refuses a text over 280 characters (weighted).
 */
import { listenLoopback, readBody, sendJson } from '@slotwatch/http/testing';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_POST_WEIGHT, weightedLength } from './twitter.text';

export interface FakeTweet {
  id: string;
  text: string;
  accessToken: string;
  at: Date;
}

export interface FakeXRequest {
  at: Date;
  status: number;
  accessToken?: string;
  text?: string;
}

export interface FakeX {
  /** Base of the v2 API: `http://127.0.0.1:<port>/2/` (TWITTER_API_URL). */
  readonly apiUrl: string;
  /** A user the fake knows (tokens as the API stores them for an account). */
  addUser(accessToken: string, accessSecret: string): void;
  tweets(accessToken?: string): FakeTweet[];
  requests(): FakeXRequest[];
  /** Set what is left of a user's 15-minute window, e.g. `{remaining: 0, resetInS: 2}`. */
  setBudget(accessToken: string, budget: { remaining: number; resetInS: number; dayRemaining?: number }): void;
  waitFor(predicate: (tweet: FakeTweet) => boolean, timeoutMs?: number): Promise<FakeTweet>;
  close(): Promise<void>;
}

interface User {
  secret: string;
  limit: number;
  remaining: number;
  resetAt: number;
  dayRemaining: number;
  dayResetAt: number;
  texts: Set<string>;
}

export async function startFakeX(options: { appKey: string; appSecret: string; limit?: number; windowS?: number; dayLimit?: number }): Promise<FakeX> {
  const limit = options.limit ?? 100;
  const windowS = options.windowS ?? 900;
  const dayLimit = options.dayLimit ?? 10_000;
  const users = new Map<string, User>();
  const tweets: FakeTweet[] = [];
  const requests: FakeXRequest[] = [];
  const nonces = new Set<string>();
  const waiters = new Set<(tweet: FakeTweet) => void>();
  let base = '';

  const nowS = () => Math.floor(Date.now() / 1000);
  const rateHeaders = (u: User): Record<string, string> => ({
    'x-rate-limit-limit': String(u.limit),
    'x-rate-limit-remaining': String(Math.max(0, u.remaining)),
    'x-rate-limit-reset': String(u.resetAt),
    'x-user-limit-24hour-limit': String(dayLimit),
    'x-user-limit-24hour-remaining': String(Math.max(0, u.dayRemaining)),
    'x-user-limit-24hour-reset': String(u.dayResetAt),
  });
  const problem = (res: ServerResponse, status: number, title: string, detail: string, headers: Record<string, string> = {}) =>
    sendJson(res, status, { title, detail, type: 'about:blank', status }, headers);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', base);
    if (req.method !== 'POST' || url.pathname !== '/2/tweets') return problem(res, 404, 'Not Found', `no route ${req.method} ${url.pathname}`);
    const auth = verifyOAuth(req.method, `${base}${url.pathname}`, url.searchParams, req.headers.authorization);
    if (!auth.ok) {
      requests.push({ at: new Date(), status: 401 });
      return problem(res, 401, 'Unauthorized', auth.reason);
    }
    const user = users.get(auth.token)!;
    const t = nowS();
    if (t >= user.resetAt) Object.assign(user, { remaining: user.limit, resetAt: t + windowS });
    if (t >= user.dayResetAt) Object.assign(user, { dayRemaining: dayLimit, dayResetAt: t + 86_400 });
    const text = (JSON.parse(raw || '{}') as { text?: string }).text ?? '';
    const record = (status: number) => requests.push({ at: new Date(), status, accessToken: auth.token, text });
    if (user.remaining <= 0 || user.dayRemaining <= 0) {
      record(429);
      return problem(res, 429, 'Too Many Requests', 'Too Many Requests', rateHeaders(user));
    }
    user.remaining -= 1;
    user.dayRemaining -= 1;
    if (user.texts.has(text)) {
      record(403);
      return problem(res, 403, 'Forbidden', 'You are not allowed to create a Tweet with duplicate content.', rateHeaders(user));
    }
    if (text.length === 0 || weightedLength(text) > MAX_POST_WEIGHT) {
      record(400);
      return problem(res, 400, 'Invalid Request', `text must be 1–${MAX_POST_WEIGHT} characters, got ${weightedLength(text)}`, rateHeaders(user));
    }
    user.texts.add(text);
    const tweet: FakeTweet = { id: String(BigInt(Date.now()) * 1000n + BigInt(tweets.length)), text, accessToken: auth.token, at: new Date() };
    tweets.push(tweet);
    record(201);
    for (const waiter of waiters) waiter(tweet);
    sendJson(res, 201, { data: { id: tweet.id, text, edit_history_tweet_ids: [tweet.id] } }, rateHeaders(user));
  }

  function verifyOAuth(method: string, baseUrl: string, query: URLSearchParams, header: string | undefined): { ok: true; token: string } | { ok: false; reason: string } {
    if (!header?.startsWith('OAuth ')) return { ok: false, reason: 'no OAuth 1.0a Authorization header' };
    const params = new Map<string, string>();
    for (const m of header.slice(6).matchAll(/([\w-]+)="([^"]*)"/g)) params.set(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!));
    const token = params.get('oauth_token') ?? '';
    const user = users.get(token);
    if (params.get('oauth_consumer_key') !== options.appKey) return { ok: false, reason: 'unknown consumer key' };
    if (!user) return { ok: false, reason: 'unknown user token' };
    if (params.get('oauth_signature_method') !== 'HMAC-SHA1') return { ok: false, reason: 'signature method must be HMAC-SHA1' };
    if (Math.abs(Number(params.get('oauth_timestamp')) - nowS()) > 300) return { ok: false, reason: 'timestamp out of bounds' };
    const nonce = params.get('oauth_nonce') ?? '';
    if (!nonce || nonces.has(nonce)) return { ok: false, reason: 'nonce missing or reused' };
    const signed = [...params].filter(([k]) => k !== 'oauth_signature' && k !== 'realm').concat([...query]);
    const normalized = signed
      .map(([k, v]) => [enc(k), enc(v)] as const)
      .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const baseString = [method.toUpperCase(), enc(baseUrl), enc(normalized)].join('&');
    const expected = createHmac('sha1', `${enc(options.appSecret)}&${enc(user.secret)}`).update(baseString).digest();
    const given = Buffer.from(params.get('oauth_signature') ?? '', 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid signature' };
    nonces.add(nonce);
    return { ok: true, token };
  }

  const listener = await listenLoopback((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) problem(res, 500, 'Internal Server Error', String(error));
    });
  });
  base = listener.url;

  return {
    apiUrl: `${listener.url}/2/`,
    addUser(accessToken, accessSecret) {
      users.set(accessToken, { secret: accessSecret, limit, remaining: limit, resetAt: nowS() + windowS, dayRemaining: dayLimit, dayResetAt: nowS() + 86_400, texts: new Set() });
    },
    tweets: (accessToken) => tweets.filter((t) => !accessToken || t.accessToken === accessToken),
    requests: () => [...requests],
    setBudget(accessToken, budget) {
      const user = users.get(accessToken);
      if (!user) throw new Error('unknown user: addUser first');
      Object.assign(user, { remaining: budget.remaining, resetAt: nowS() + budget.resetInS, dayRemaining: budget.dayRemaining ?? user.dayRemaining });
    },
    waitFor(predicate, timeoutMs = 10_000) {
      const found = tweets.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching post within ${timeoutMs} ms (${tweets.length} posted)`));
        }, timeoutMs);
        const waiter = (tweet: FakeTweet) => {
          if (!predicate(tweet)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(tweet);
        };
        waiters.add(waiter);
      });
    },
    close: () => listener.close(),
  };
}

/** RFC 3986 percent-encoding, as RFC 5849 §3.6 asks. */
const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export const randomToken = () => randomBytes(16).toString('hex');
