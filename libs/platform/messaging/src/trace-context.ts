import { context, propagation, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';

/** PRODUCER span `send <subject>` with `traceparent` injected into the NATS headers. */
export function producerSpan<T>(tracer: Tracer, subject: string, msgId: string, fn: (headers: MsgHdrs) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(
    `send ${subject}`,
    { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.message.id': msgId, 'messaging.operation.type': 'send' } },
    async (span) => {
      const h = natsHeaders();
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      for (const [k, v] of Object.entries(carrier)) h.set(k, v);
      try {
        return await fn(h);
      } catch (error) {
        fail(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** CONSUMER span `process <subject>`, child of the producer's context from the headers. */
export function consumerSpan<T>(
  tracer: Tracer,
  subject: string,
  headers: MsgHdrs | undefined,
  attributes: Record<string, string | number>,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const carrier: Record<string, string> = {};
  for (const key of ['traceparent', 'tracestate']) {
    const value = headers?.get(key);
    if (value) carrier[key] = value;
  }
  const parent = propagation.extract(context.active(), carrier);
  return tracer.startActiveSpan(
    `process ${subject}`,
    { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.operation.type': 'process', ...attributes } },
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

function fail(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : new Error(String(error)));
  span.setStatus({ code: SpanStatusCode.ERROR });
}

export { trace };
