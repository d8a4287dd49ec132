import { subjects, type CheckRequestedV1, type SlotsObservedV1 } from '@slotwatch/contracts';
import { createHttpClient } from '@slotwatch/http';
import { TargetError, type Snapshot } from '@slotwatch/provider-core';
import { createProviders, findProvider } from '@slotwatch/providers';
import type { RunningService, ServiceContext, ServiceModule } from '@slotwatch/runtime';
import { observedBudget, upstreamSpan } from './scraper.telemetry';
import { dbLock, dbProviderState, dbRequestBudget, loadWatch, pruneBudgets } from './state.repository';

const VERSION = '0.1.0';

/** Runs one provider check per `check.requested` and publishes what it saw as `slots.observed`. */
export const scraperService: ServiceModule = {
  name: 'scraper',
  async start(ctx: ServiceContext): Promise<RunningService> {
    const { db, bus, log, config, metrics, secrets, tracer } = ctx;
    const userAgent = `slotwatch/${VERSION} (+https://github.com/slotwatch/slotwatch${config.contact ? `; contact: ${config.contact}` : ''})`;
    const http = createHttpClient({ userAgent, timeoutMs: 20_000 });
    const budget = observedBudget(db, dbRequestBudget(db), metrics);
    const registry = createProviders({ troov: { budget: config.troovBudget, minGapMs: config.troovMinGapMs, windowCacheSeconds: config.troovWindowCacheSeconds }, bayimco: { abuseContact: config.contact } });
    const stopping = new AbortController();

    const runCheck = async (request: CheckRequestedV1): Promise<void> => {
      const watch = await loadWatch(db, request.watchId);
      if (!watch || !watch.active) {
        log.info({ watchId: request.watchId }, 'check dropped: the watch is gone or paused');
        return;
      }
      const adapter = findProvider(watch.provider, registry);
      const startedAt = new Date();
      let snapshot: Snapshot;
      if (!adapter) {
        snapshot = { status: 'error', scope: { keys: [] }, slots: [], requests: 0, reason: 'unknown_provider', detail: `no provider "${watch.provider}" in this build` };
      } else {
        const stopTimer = metrics.upstreamSeconds.startTimer({ provider: watch.provider });
        try {
          snapshot = await upstreamSpan(tracer, watch, () => adapter.check(watch.target as never, {
            watchId: watch.id,
            http,
            state: dbProviderState(db, watch.id),
            budget,
            log: log.child({ watchId: watch.id, provider: watch.provider }),
            signal: stopping.signal,
            now: () => new Date(),
            withLock: dbLock(db),
            credentials: watch.credentialsSealed ? (JSON.parse(secrets.open(watch.credentialsSealed)) as Record<string, unknown>) : undefined,
          }));
        } catch (error) {
          // An adapter throws only for a target it cannot use (TargetError) or a bug; either way the
          // check failed — it says nothing about slots, so nothing closes.
          if (error instanceof TargetError) {
            log.warn({ watchId: watch.id, field: error.field }, `watch target is unusable: ${error.message}`);
            snapshot = { status: 'error', scope: { keys: [] }, slots: [], requests: 0, reason: 'target_invalid', detail: `target.${error.field}: ${error.message}` };
          } else {
            log.error({ err: error, watchId: watch.id }, 'provider check threw');
            snapshot = { status: 'error', scope: { keys: [] }, slots: [], requests: 0, reason: 'adapter_error', detail: error instanceof Error ? error.message : String(error) };
          }
        } finally {
          stopTimer();
        }
      }
      metrics.checks.inc({ provider: watch.provider, status: snapshot.status });
      const observation: SlotsObservedV1 = {
        v: 1,
        checkId: request.checkId,
        watchId: watch.id,
        provider: watch.provider,
        status: snapshot.status,
        scope: snapshot.scope,
        slots: snapshot.status === 'ok' || snapshot.status === 'partial' ? snapshot.slots : [],
        ...(snapshot.reason !== undefined && { reason: snapshot.reason }),
        ...(snapshot.detail !== undefined && { detail: snapshot.detail }),
        ...(snapshot.hint !== undefined && { hint: snapshot.hint }),
        ...(snapshot.retryAfter && { retryAfter: snapshot.retryAfter.toISOString() }),
        requests: snapshot.requests,
        startedAt: startedAt.toISOString(),
        observedAt: new Date().toISOString(),
      };
      await bus.publish('slots.observed', subjects.slotsObserved(bus.naming, watch.provider), observation, request.checkId);
    };

    const consumption = await bus.consume('scraper', 'check.requested', runCheck, {
      concurrency: config.scraperConcurrency,
      onFate: (fate) => metrics.messagesHandled.inc({ consumer: 'scraper', fate }),
    });
    const pruner = setInterval(() => void pruneBudgets(db).catch(() => undefined), 3_600_000);
    pruner.unref();

    return {
      async stop() {
        clearInterval(pruner);
        budget.stop();
        // Checks in hand may finish within the grace period; past it they are cut off, which
        // yields an `error` snapshot (it closes nothing) rather than a half-done check.
        const cutoff = setTimeout(() => stopping.abort(), Math.max(0, config.shutdownGraceMs - 2000));
        await consumption.stop();
        clearTimeout(cutoff);
      },
    };
  },
};
