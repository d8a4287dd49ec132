import { HttpNetworkError, HttpTimeoutError, type HttpClient, type HttpResponse } from '@slotwatch/http';

/** What went wrong on the way to an answer; the check turns each kind into a snapshot status. */
export type BayimcoFailureKind =
  | 'budget_exhausted' // our shared budget refused the appointments/next call before it was made
  | 'no_credentials' // nothing usable was handed over
  | 'invalid_grant' // Keycloak refused the refresh token (expired, rotated away, session ended) and no password is stored
  | 'bad_credentials' // Keycloak refused username/password
  | 'unauthorized' // the API answered 401 even with a fresh token
  | 'forbidden' // 403: the account does not hold this citizen
  | 'http' // any other unexpected status
  | 'upstream_shape' // HTML or JSON not of the shape research/bayimco.md describes
  | 'timeout'
  | 'network';

/** Which upstream part failed: only trouble on appointments/next hints at free slots. */
export type Endpoint = 'next' | 'auth' | 'api';

export class BayimcoCallError extends Error {
  override readonly name = 'BayimcoCallError';
  constructor(
    readonly kind: BayimcoFailureKind,
    message: string,
    readonly info: { status?: number; retryAfter?: Date; body?: string; endpoint?: Endpoint } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface UpstreamOptions {
  http: HttpClient;
  /** Deadline per call. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Sent on every call, as impformation.bayern's `X-Abuse-Contact` (research/bayimco.md §2.4). */
  abuseContact?: string;
}

export interface UpstreamRequest {
  method?: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  timeoutMs?: number;
  endpoint?: Endpoint;
}

/** Every call of one check to BayIMCO or its Keycloak: one deadline, one request counter, typed failures. */
export class Upstream {
  /** Calls made, Keycloak included. */
  requests = 0;

  constructor(private readonly o: UpstreamOptions) {}

  async send(req: UpstreamRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...req.headers };
    if (this.o.abuseContact) headers['x-abuse-contact'] = this.o.abuseContact;
    let body: string | undefined;
    if (req.form) {
      body = new URLSearchParams(req.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    this.requests += 1;
    const what = `${req.method ?? 'GET'} ${describe(req.url)}`;
    try {
      // The platform client never follows redirects: the login POST's 302 is read, not followed (§2.1).
      return await this.o.http.request({ method: req.method ?? 'GET', url: req.url, headers, body, timeoutMs: req.timeoutMs ?? this.o.timeoutMs, signal: this.o.signal });
    } catch (error) {
      const info = { endpoint: req.endpoint ?? 'api' };
      if (error instanceof HttpTimeoutError) throw new BayimcoCallError('timeout', `${what}: ${error.message}`, info, { cause: error });
      if (error instanceof HttpNetworkError) throw new BayimcoCallError('network', `${what}: ${error.message}`, info, { cause: error });
      throw error;
    }
  }
}

/** host + path without the query: query strings here carry codes and session ids. */
export function describe(url: string): string {
  const u = new URL(url);
  return `${u.host}${u.pathname}`;
}

export function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

/** JSON or undefined; error bodies are JSON only most of the time (§3.1). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
