import { spanAttr } from '@slotwatch/contracts';
import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { Db } from '@slotwatch/db';
import { withHttpSpanOptions } from '@slotwatch/http';
import type { RequestBudget, Snapshot } from '@slotwatch/provider-core';
import { inSpan, type Metrics } from '@slotwatch/telemetry';
import { budgetRemaining } from './budget.repository';

/**
 * The span `upstream <provider>` around one adapter check: its HTTP requests are CLIENT spans
 * beneath it, tagged with the provider; the snapshot's status, reason and counts end up on it.
 */
export function upstreamSpan(tracer: Tracer, watch: { id: string; provider: string }, check: () => Promise<Snapshot>): Promise<Snapshot> {
  const attributes = { [spanAttr.watchId]: watch.id, [spanAttr.provider]: watch.provider };
  return inSpan(tracer, `upstream ${watch.provider}`, { attributes }, async (span) => {
    const snapshot = await withHttpSpanOptions({ attributes: { [spanAttr.provider]: watch.provider } }, check);
    span.setAttributes({
      [spanAttr.checkStatus]: snapshot.status,
      [spanAttr.checkRequests]: snapshot.requests,
      [spanAttr.slotsSeen]: snapshot.slots.length,
      ...(snapshot.reason !== undefined && { [spanAttr.checkReason]: snapshot.reason }),
    });
    if (snapshot.status !== 'ok' && snapshot.status !== 'partial') span.setStatus({ code: SpanStatusCode.ERROR, message: snapshot.reason ?? snapshot.status });
    return snapshot;
  });
}

/** `<provider>:<host>[:<port>]`, e.g. `troov:www.rdv-consulat.example` (not `bayimco:account:<hash>`). */
const PER_HOST = /^[a-z0-9-]+:[a-z0-9.-]+(?::\d{1,5})?$/i;

/**
 * The shared budget, remembering the limit of each per-host bucket (`<provider>:<host>`) it is asked
 * for, so `slotwatch_request_budget_remaining` can be read from request_budget at scrape time.
 * Per-account buckets (BayIMCO) are left out: their names carry account and citizen ids.
 */
export function observedBudget(db: Db, budget: RequestBudget, metrics: Metrics): RequestBudget & { stop(): void } {
  const limits = new Map<string, { calls: number; perSeconds: number }>();
  const stop = metrics.budgetRemaining.source('scraper', async (gauge) => {
    for (const { bucket, remaining } of await budgetRemaining(db, limits)) gauge.set({ bucket }, remaining);
  });
  return {
    take(bucket, limit) {
      if (PER_HOST.test(bucket)) limits.set(bucket, limit);
      return budget.take(bucket, limit);
    },
    stop,
  };
}
