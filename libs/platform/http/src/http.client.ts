import { request, type Dispatcher } from 'undici';

export interface HttpRequest {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Whole-request deadline in ms (headers and body). Defaults to the client's. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Cap on the body kept, in bytes (the rest is read and dropped). */
  maxBodyBytes?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  durationMs: number;
}

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
}

/** The call did not finish in time. */
export class HttpTimeoutError extends Error {
  override readonly name = 'HttpTimeoutError';
  constructor(readonly url: string, readonly timeoutMs: number) {
    super(`no answer from ${new URL(url).host} within ${timeoutMs} ms`);
  }
}

/** The call failed below HTTP (DNS, refused, reset, blocked address). */
export class HttpNetworkError extends Error {
  override readonly name = 'HttpNetworkError';
  constructor(readonly url: string, options: { cause: unknown }) {
    const why = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`request to ${new URL(url).host} failed: ${why}`, options);
  }
}

export interface HttpClientOptions {
  /** Sent on every request; identifies slotwatch and its operator. */
  userAgent: string;
  /** Default deadline per request, in ms. */
  timeoutMs: number;
  /** Custom undici dispatcher (the webhook channel's SSRF-guarded agent). */
  dispatcher?: Dispatcher;
}

/** The outbound HTTP client: undici, a deadline on every call, typed failures, no redirects. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  return {
    async request(req) {
      const timeoutMs = req.timeoutMs ?? options.timeoutMs;
      const deadline = AbortSignal.timeout(timeoutMs);
      const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
      const started = performance.now();
      try {
        const res = await request(req.url, {
          method: req.method ?? 'GET',
          headers: { 'user-agent': options.userAgent, ...req.headers },
          body: req.body,
          signal,
          dispatcher: options.dispatcher,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        const text = await readCapped(res.body, req.maxBodyBytes ?? 5 * 1024 * 1024);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
        }
        return { status: res.statusCode, headers, text, durationMs: performance.now() - started };
      } catch (error) {
        if (deadline.aborted) throw new HttpTimeoutError(req.url, timeoutMs);
        if (req.signal?.aborted) throw error;
        throw new HttpNetworkError(req.url, { cause: error });
      }
    },
  };
}

async function readCapped(body: AsyncIterable<Buffer>, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < max) chunks.push(size + chunk.length > max ? chunk.subarray(0, max - size) : chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}
