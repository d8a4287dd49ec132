import type { Tracer } from '@opentelemetry/api';
import { spanAttr, type SlotsObservedV1 } from '@slotwatch/contracts';
import type { Db } from '@slotwatch/db';
import { inSpan, type Metrics } from '@slotwatch/telemetry';
import type { DiffResult } from './differ.logic';
import { countWatchStates, WATCH_STATES } from './watch-states.repository';

/**
 * The span `diff` around one observation's transaction, with the slot counts. The outbox rows the
 * transaction writes carry this span's context (outbox.traceparent), so the relay's publish is its child.
 */
export function diffSpan(tracer: Tracer, obs: SlotsObservedV1, apply: () => Promise<DiffResult>): Promise<DiffResult> {
  const attributes = {
    [spanAttr.watchId]: obs.watchId,
    [spanAttr.provider]: obs.provider,
    [spanAttr.checkId]: obs.checkId,
    [spanAttr.checkStatus]: obs.status,
    [spanAttr.slotsSeen]: obs.slots.length,
    'db.system.name': 'postgresql',
  };
  return inSpan(tracer, 'diff', { attributes }, async (span) => {
    const result = await apply();
    span.setAttributes({ [spanAttr.diffOutcome]: result.outcome, [spanAttr.slotsOpened]: result.opened, [spanAttr.slotsClosed]: result.closed, [spanAttr.slotsHeld]: result.held });
    return result;
  });
}

/** `slotwatch_watches{provider,state}`, read from watch_health at scrape time; returns the remover. */
export function watchStatesGauge(db: Db, metrics: Metrics): () => void {
  return metrics.watches.source('differ', async (gauge) => {
    const rows = await countWatchStates(db);
    gauge.reset();
    for (const provider of new Set(rows.map((r) => r.provider))) {
      for (const state of WATCH_STATES) gauge.set({ provider, state }, 0);
    }
    for (const r of rows) gauge.set({ provider: r.provider, state: r.state }, r.n);
  });
}
