import { context, createContextKey, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
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

/** What the caller adds to the CLIENT spans of the requests made inside `withHttpSpanOptions`. */
export interface HttpSpanOptions {
  /** Extra attributes, e.g. `{ [spanAttr.provider]: 'troov' }`. */
  attributes?: Attributes;
  /** Record `url.full` as scheme://host/path (default) or only scheme://host (a path may carry a token). */
  url?: 'path' | 'origin';
}

const SPAN_OPTIONS = createContextKey('slotwatch.http.span-options');

/** Runs `fn` so that every request it makes carries these span options (context-scoped, no plumbing). */
export function withHttpSpanOptions<T>(spanOptions: HttpSpanOptions, fn: () => T): T {
  return context.with(context.active().setValue(SPAN_OPTIONS, spanOptions), fn);
}

/**
 * The outbound HTTP client: undici, a deadline on every call, typed failures, no redirects. Each
 * request is a CLIENT span (`GET`, `POST`…) with the method, host, status and the URL without
 * its query string (query strings carry session ids); headers and bodies are never recorded, and
 * no `traceparent` is sent to the third parties we call.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const tracer = trace.getTracer('@slotwatch/http');
  return {
    request(req) {
      const method = req.method ?? 'GET';
      const spanOptions = context.active().getValue(SPAN_OPTIONS) as HttpSpanOptions | undefined;
      return tracer.startActiveSpan(method, { kind: SpanKind.CLIENT, attributes: { ...requestAttributes(method, req.url, spanOptions?.url ?? 'path'), ...spanOptions?.attributes } }, async (span) => {
        try {
          const res = await send(options, req);
          span.setAttribute('http.response.status_code', res.status);
          if (res.status >= 400) {
            span.setAttribute('error.type', String(res.status));
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
          return res;
        } catch (error) {
          failed(span, error);
          throw error;
        } finally {
          span.end();
        }
      });
    },
  };
}

async function send(options: HttpClientOptions, req: HttpRequest): Promise<HttpResponse> {
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
}

function requestAttributes(method: string, raw: string, record: 'path' | 'origin'): Attributes {
  try {
    const url = new URL(raw);
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return {
      'http.request.method': method,
      'server.address': url.hostname,
      'server.port': port,
      'url.scheme': url.protocol.replace(':', ''),
      'url.full': record === 'path' ? `${url.origin}${url.pathname}` : url.origin,
    };
  } catch {
    return { 'http.request.method': method };
  }
}

function failed(span: Span, error: unknown): void {
  const type = error instanceof HttpTimeoutError ? 'timeout' : error instanceof Error ? error.name : 'Error';
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
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
