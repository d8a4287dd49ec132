import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';

// Messaging semantic conventions (Development status): span kinds PRODUCER / CONSUMER, names
// `send <destination>` / `process <destination>`, `messaging.*` attributes. No NATS
// instrumentation exists for Node, so this file is it (docs/observability.md).

/** PRODUCER span `send <subject>`, child of the active context, with `traceparent` injected into the NATS headers. */
export function producerSpan<T>(tracer: Tracer, subject: string, msgId: string, bodySize: number, fn: (headers: MsgHdrs, span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(
    `send ${subject}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.destination.name': subject,
        'messaging.message.id': msgId,
        'messaging.message.body.size': bodySize,
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'publish',
      },
    },
    async (span) => {
      const h = natsHeaders();
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      for (const [k, v] of Object.entries(carrier)) h.set(k, v);
      try {
        return await fn(h, span);
      } catch (error) {
        fail(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * CONSUMER span `process <subject>`, child of the producer's context from the headers. A
 * redelivered message keeps the producer's trace; `messaging.message.delivery_count` tells.
 */
export function consumerSpan<T>(
  tracer: Tracer,
  subject: string,
  headers: MsgHdrs | undefined,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const carrier: Record<string, string> = {};
  for (const key of ['traceparent', 'tracestate', 'baggage']) {
    const value = headers?.get(key);
    if (value) carrier[key] = value;
  }
  const msgId = headers?.get('Nats-Msg-Id');
  const parent = propagation.extract(ROOT_CONTEXT, carrier);
  return tracer.startActiveSpan(
    `process ${subject}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.destination.name': subject,
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        ...(msgId ? { 'messaging.message.id': msgId } : {}),
        ...attributes,
      },
    },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        fail(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * The active context as a W3C `traceparent` (`00-<trace id>-<span id>-<flags>`), or null when no
 * span is active: what a Postgres row carries across a hop that is not a NATS message.
 */
export function currentTraceparent(): string | null {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/**
 * Runs `fn` with the context a row's `traceparent` names as the active parent, so the spans it
 * starts join that check's trace. Without one, `fn` runs in a fresh root context: work woken by
 * one message (a relay batch, a dispatcher pump) must not inherit that message's trace.
 */
export function withTraceparent<T>(traceparent: string | null | undefined, fn: () => T): T {
  const parent = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
  return context.with(parent, fn);
}

function fail(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : new Error(String(error)));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

export { trace };
