/**
 * The webhook channel: one signed POST per attempt, Standard Webhooks headers, and a decision on
 * purpose for every answer (spec "Operations"; research §1a, §1c):
 * 2xx delivered · 410 disable · 429 / timeout retry, overloaded · 5xx, 3xx, other 4xx, network
 * errors retry · refused address (SSRF) or unusable message failed.
 * Redirects are never followed (undici `request` has no redirect interceptor here), so a 3xx cannot
 * steer us to an internal address and counts as a failure, as the spec asks.
 */
import type { AttemptOutcome, Channel } from '@slotwatch/channel-core';
import { createHttpClient, HttpTimeoutError, parseRetryAfter, type HttpResponse } from '@slotwatch/http';
import { STATUS_CODES } from 'node:http';
import { createCircuitBreaker, type CircuitBreaker } from './circuit.breaker';
import { checkWebhookUrl, createGuardedDispatcher, SsrfBlockedError, type LookupFunction } from './ssrf.guard';
import { signPayload } from './webhook.signature';

export interface WebhookMessage {
  /** The subscription (endpoint) this goes to; keys the circuit breaker. */
  webhookId: string;
  url: string;
  /** The endpoint's secrets (`whsec_…`); two during a rotation, one signature each. */
  secrets: string[];
  /** `webhook-id`: the same on every retry of this delivery, the receiver's idempotency key. */
  msgId: string;
  /** The exact bytes sent and signed. */
  body: string;
  /** When this attempt is made (`webhook-timestamp`); defaults to now. Never an earlier attempt's time. */
  timestamp?: Date;
}

export interface WebhookChannelOptions {
  /** Allow private, loopback and CGNAT receivers (self-hosted, tests). Link-local and metadata stay refused. */
  allowPrivate: boolean;
  /** Whole-attempt deadline. Default 15 s: the spec's 15–30 s, and Svix's "2xx within 15 s". */
  timeoutMs?: number;
  userAgent: string;
  /** DNS resolver for the SSRF guard; a stub in tests. */
  lookup?: LookupFunction;
  /** Shared breaker; by default one per channel. */
  breaker?: CircuitBreaker;
}

export interface WebhookChannel extends Channel<WebhookMessage> {
  readonly id: 'webhook';
  /** Closes the pooled connections. */
  close(): Promise<void>;
}

/** The error of an attempt the breaker refused: nothing was sent, so it is no real attempt. */
export const CIRCUIT_OPEN = 'circuit open';

/** True for the outcome of a call the circuit breaker refused (the dispatcher defers it). */
export const isCircuitOpen = (outcome: AttemptOutcome): boolean => outcome.kind === 'retry' && outcome.error === CIRCUIT_OPEN && outcome.status === undefined;

/** Bytes of the receiver's answer kept for the delivery log. */
const RESPONSE_KEEP_BYTES = 4096;
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export function createWebhookChannel(options: WebhookChannelOptions): WebhookChannel {
  const { allowPrivate, timeoutMs = 15_000, userAgent, lookup, breaker = createCircuitBreaker() } = options;
  const dispatcher = createGuardedDispatcher({ allowPrivate, lookup });
  const http = createHttpClient({ userAgent, timeoutMs, dispatcher });

  async function send(message: WebhookMessage, signal?: AbortSignal): Promise<AttemptOutcome> {
    const check = checkWebhookUrl(message.url, { allowPrivate });
    if (!check.ok) return { kind: 'failed', durationMs: 0, error: check.reason };
    let headers: Record<string, string>;
    try {
      headers = signedHeaders(message);
    } catch (error) {
      return { kind: 'failed', durationMs: 0, error: `cannot sign the webhook: ${messageOf(error)}` };
    }
    // A dead receiver is not called while its circuit is open, so it cannot hold a slot for 15 s.
    if (!breaker.canSend(message.webhookId)) return { kind: 'retry', durationMs: 0, error: CIRCUIT_OPEN };

    const started = performance.now();
    try {
      const res = await http.request({ method: 'POST', url: message.url, headers, body: message.body, signal, maxBodyBytes: RESPONSE_KEEP_BYTES });
      const outcome = outcomeOf(res);
      breaker.record(message.webhookId, outcome.kind === 'delivered');
      return outcome;
    } catch (error) {
      const durationMs = Math.round(performance.now() - started);
      const blocked = causeOf(error, SsrfBlockedError);
      if (blocked) return { kind: 'failed', durationMs, error: blocked.message };
      // Our own shutdown, not the receiver's fault: try again later, and tell the breaker nothing.
      if (signal?.aborted) return { kind: 'retry', durationMs, error: 'aborted before the receiver answered' };
      breaker.record(message.webhookId, false);
      if (error instanceof HttpTimeoutError || hasCode(error, TIMEOUT_CODES)) {
        return { kind: 'retry', durationMs, error: messageOf(error), overloaded: true };
      }
      return { kind: 'retry', durationMs, error: messageOf(error) };
    }
  }

  return { id: 'webhook', send, close: () => dispatcher.close() };
}

function signedHeaders(message: WebhookMessage): Record<string, string> {
  const timestamp = Math.floor((message.timestamp ?? new Date()).getTime() / 1000);
  return {
    'content-type': 'application/json',
    'webhook-id': message.msgId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signPayload(message.secrets, message.msgId, timestamp, message.body),
  };
}

function outcomeOf({ status, headers, text: response, durationMs: rawMs }: HttpResponse): AttemptOutcome {
  const durationMs = Math.round(rawMs);
  if (status >= 200 && status < 300) return { kind: 'delivered', status, durationMs, response };
  const reason = `${status} ${STATUS_CODES[status] ?? 'Unknown Status'}`;
  if (status === 410) {
    return { kind: 'disable', status, durationMs, response, error: `${reason}: the receiver asked to stop deliveries to this endpoint` };
  }
  const error =
    status >= 300 && status < 400
      ? `${reason}: redirects are not followed (location ${JSON.stringify((headers.location ?? '').slice(0, 200))}); register the final URL`
      : reason;
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  return {
    kind: 'retry',
    status,
    durationMs,
    error,
    response,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    ...(status === 429 && { overloaded: true }),
  };
}

function causeOf<T extends Error>(error: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof type) return e;
  }
  return undefined;
}

function hasCode(error: unknown, codes: Set<string>): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && codes.has(code)) return true;
  }
  return false;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
