/**
 * A fake webhook receiver for tests and the end-to-end suite: it verifies every request with the
 * reference `standardwebhooks` library (an oracle independent of our signer) and answers as told.
 * Drive it in-process (`setMode`, `failNext`) or over HTTP:
 *   POST /_control/mode      {"mode":"slow","delayMs":2000} · {"mode":"ratelimit","retryAfterS":30} · {"failNext":2}
 *   GET  /_control/received  → every request so far
 *   POST /_control/reset     → forget requests, back to "ok"
 * Every other path is a webhook endpoint.
 */
import { listenLoopback, readBody, sendJson } from '@slotwatch/http/testing';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';

export type ReceiverMode =
  | { mode: 'ok' }
  | { mode: 'fail' }
  | { mode: 'gone' }
  | { mode: 'slow'; delayMs: number }
  | { mode: 'ratelimit'; retryAfterS: number }
  | { mode: 'redirect'; location: string };

export interface ReceivedWebhook {
  id: string;
  /** `webhook-timestamp`, Unix seconds. */
  timestamp: number;
  /** The JSON body, or the raw text when it was not JSON. */
  body: unknown;
  rawBody: string;
  /** The signature checked out against the receiver's secret (and the 5 min tolerance). */
  verified: boolean;
  headers: Record<string, string>;
  path: string;
  /** The status the receiver answered with. */
  status: number;
}

export interface WebhookReceiver {
  /** Base URL on 127.0.0.1; any path under it receives webhooks. */
  readonly url: string;
  readonly secret: string;
  /** Verify from now on with this secret (slotwatch generates it when the webhook is registered). */
  setSecret(secret: string): void;
  setMode(mode: ReceiverMode): void;
  /** The next `n` verified requests get a 500, whatever the mode. */
  failNext(n: number): void;
  received(): ReceivedWebhook[];
  /** Resolves with the first request (so far or to come) that matches. */
  waitFor(predicate: (webhook: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook>;
  /** TCP connections accepted so far (the SSRF tests expect 0). */
  connections(): number;
  close(): Promise<void>;
}

export async function startWebhookReceiver({ secret, mode = { mode: 'ok' } }: { secret: string; mode?: ReceiverMode }): Promise<WebhookReceiver> {
  let oracle = new Webhook(secret);
  let current: ReceiverMode = mode;
  let failures = 0;
  let accepted = 0;
  const records: ReceivedWebhook[] = [];
  const waiters = new Set<(webhook: ReceivedWebhook) => void>();
  const timers = new Set<NodeJS.Timeout>();

  function control(body: Record<string, unknown>): string | undefined {
    const next = body.mode === undefined ? current : parseMode(body);
    if (typeof next === 'string') return next;
    if (body.failNext !== undefined && (!Number.isInteger(body.failNext) || (body.failNext as number) < 0)) {
      return 'failNext must be a whole number ≥ 0';
    }
    current = next;
    if (body.failNext !== undefined) failures = body.failNext as number;
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://receiver').pathname;
    const raw = await readBody(req);
    if (path.startsWith('/_control/')) return handleControl(req.method, path, raw, res);

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    let verified = true;
    try {
      oracle.verify(raw, headers, { jsonParse: false });
    } catch {
      verified = false;
    }
    let status = verified ? statusFor(current) : 401;
    if (verified && failures > 0) {
      failures -= 1;
      status = 500;
    }
    const record: ReceivedWebhook = {
      id: headers['webhook-id'] ?? '',
      timestamp: Number(headers['webhook-timestamp']),
      body: parseJson(raw),
      rawBody: raw,
      verified,
      headers,
      path,
      status,
    };
    records.push(record);
    for (const waiter of waiters) waiter(record);

    if (status === 200 && current.mode === 'slow') {
      const timer = setTimeout(() => {
        timers.delete(timer);
        sendJson(res, 200, { ok: true });
      }, current.delayMs);
      timers.add(timer);
      res.on('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
      });
      return;
    }
    const extra: Record<string, string> = {};
    if (status === 429 && current.mode === 'ratelimit') extra['retry-after'] = String(current.retryAfterS);
    if (status === 302 && current.mode === 'redirect') extra.location = current.location;
    sendJson(res, status, status < 300 ? { ok: true } : { error: verified ? `mode ${current.mode}` : 'signature did not verify' }, extra);
  }

  function handleControl(method: string | undefined, path: string, raw: string, res: ServerResponse): void {
    if (method === 'GET' && path === '/_control/received') return sendJson(res, 200, records);
    if (method === 'POST' && path === '/_control/reset') {
      records.length = 0;
      current = { mode: 'ok' };
      failures = 0;
      return sendJson(res, 200, { mode: current, failNext: failures });
    }
    if (method === 'POST' && path === '/_control/mode') {
      const body = parseJson(raw);
      const problem = body && typeof body === 'object' ? control(body as Record<string, unknown>) : 'send a JSON object';
      return problem ? sendJson(res, 400, { error: problem }) : sendJson(res, 200, { mode: current, failNext: failures });
    }
    sendJson(res, 404, { error: `no control endpoint ${method} ${path}; use POST /_control/mode, GET /_control/received, POST /_control/reset` });
  }

  const listener = await listenLoopback((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(error) });
    });
  });
  listener.server.on('connection', () => accepted++);

  return {
    url: listener.url,
    get secret() {
      return secret;
    },
    setSecret(next) {
      secret = next;
      oracle = new Webhook(next);
    },
    setMode: (next) => void (current = next),
    failNext: (n) => void (failures = n),
    received: () => [...records],
    connections: () => accepted,
    waitFor(predicate, timeoutMs = 5_000) {
      const found = records.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching webhook within ${timeoutMs} ms (${records.length} received)`));
        }, timeoutMs);
        const waiter = (webhook: ReceivedWebhook) => {
          if (!predicate(webhook)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(webhook);
        };
        waiters.add(waiter);
      });
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      return listener.close();
    },
  };
}

function statusFor(mode: ReceiverMode): number {
  return { ok: 200, slow: 200, fail: 500, gone: 410, ratelimit: 429, redirect: 302 }[mode.mode];
}

function parseMode(body: Record<string, unknown>): ReceiverMode | string {
  switch (body.mode) {
    case 'ok':
    case 'fail':
    case 'gone':
      return { mode: body.mode };
    case 'slow':
      return typeof body.delayMs === 'number' && body.delayMs >= 0 ? { mode: 'slow', delayMs: body.delayMs } : 'mode "slow" needs delayMs (a number of ms)';
    case 'ratelimit':
      return typeof body.retryAfterS === 'number' ? { mode: 'ratelimit', retryAfterS: body.retryAfterS } : 'mode "ratelimit" needs retryAfterS (seconds)';
    case 'redirect':
      return typeof body.location === 'string' ? { mode: 'redirect', location: body.location } : 'mode "redirect" needs location (a URL)';
    default:
      return `unknown mode ${JSON.stringify(body.mode)}; use ok, fail, gone, slow, ratelimit or redirect`;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
