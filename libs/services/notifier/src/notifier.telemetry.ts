import { spanAttr } from '@slotwatch/contracts';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { AttemptOutcome } from '@slotwatch/channel-core';
import { withHttpSpanOptions } from '@slotwatch/http';
import { withTraceparent } from '@slotwatch/messaging';
import { inSpan } from '@slotwatch/telemetry';

/**
 * The span `deliver <channel>` around one delivery attempt, a child of the notifier span that
 * stored the delivery (deliveries.traceparent, 004_tracing.sql): every attempt, retries included,
 * joins the check's trace. The channel's HTTP request is a CLIENT span beneath it that records
 * only the receiver's origin (a webhook path may carry a token).
 */
export function deliverySpan(
  channel: string,
  d: { id: string; eventId: string; attempts: number; traceparent?: string | null },
  send: () => Promise<AttemptOutcome>,
): Promise<AttemptOutcome> {
  const attributes = { [spanAttr.channel]: channel, [spanAttr.deliveryId]: d.id, [spanAttr.eventId]: d.eventId, [spanAttr.deliveryAttempt]: d.attempts };
  return withTraceparent(d.traceparent, () =>
    inSpan(trace.getTracer('slotwatch'), `deliver ${channel}`, { kind: SpanKind.INTERNAL, attributes }, async (span) => {
      const outcome = await withHttpSpanOptions({ url: 'origin', attributes: { [spanAttr.channel]: channel } }, send);
      span.setAttribute(spanAttr.deliveryOutcome, outcome.kind);
      if (outcome.status !== undefined) span.setAttribute('http.response.status_code', outcome.status);
      if (outcome.kind !== 'delivered') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.kind });
      return outcome;
    }),
  );
}
