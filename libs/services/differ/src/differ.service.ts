import type { RunningService, ServiceContext, ServiceModule } from '@slotwatch/runtime';
import { applyObservation, type DiffOptions } from './differ.logic';
import { diffSpan, watchStatesGauge } from './differ.telemetry';
import { pruneHistory } from './history.repository';
import { startOutboxRelay } from './outbox.relay';
import { detectStale } from './stale.detector';

const STALE_SCAN_MS = 5_000;
const PRUNE_MS = 3_600_000;

/**
 * Turns observations into slot state and slot events; relays the events to SLOT_EVENTS and
 * WATCH_EVENTS; marks watches stale when their checks stop succeeding; prunes old history.
 */
export const differService: ServiceModule = {
  name: 'differ',
  async start(ctx: ServiceContext): Promise<RunningService> {
    const { db, bus, log, metrics, config, tracer } = ctx;
    const options: DiffOptions = { massCloseGuard: config.massCloseGuard, massCloseMin: config.massCloseMin };
    const relay = await startOutboxRelay(db, bus, log, (n) => metrics.outboxBacklog.set(n));
    const consumption = await bus.consume(
      'differ',
      'slots.observed',
      async (obs) => {
        const result = await diffSpan(tracer, obs, () => applyObservation(db, bus.naming, obs, options));
        if (!result.applied) return;
        metrics.slotsOpened.inc({ provider: obs.provider }, result.opened);
        metrics.slotsClosed.inc({ provider: obs.provider }, result.closed);
        if (result.held > 0) log.warn({ watchId: obs.watchId, checkId: obs.checkId, held: result.held }, 'a check saw none of the open slots; holding the closures until the next check confirms them');
        if (result.recovered) log.info({ watchId: obs.watchId }, 'watch recovered');
        if (result.blocked) {
          log.warn(
            { watchId: obs.watchId, status: obs.status, reason: obs.reason },
            `watch needs an operator: ${obs.detail ?? obs.reason ?? obs.status} (see GET /v1/watches/${obs.watchId})`,
          );
        }
        if (result.opened + result.closed > 0 || result.recovered || result.blocked) relay.kick();
      },
      { concurrency: 16, onFate: (fate) => metrics.messagesHandled.inc({ consumer: 'differ', fate }) },
    );

    // Periodic jobs; every replica runs them, and they are safe to run side by side.
    const every = (ms: number, job: () => Promise<void>, what: string) => {
      let running: Promise<void> | undefined;
      const timer = setInterval(() => {
        running ??= job()
          .catch((error: unknown) => log.warn({ err: error }, `${what} failed; will retry`))
          .finally(() => (running = undefined));
      }, ms);
      timer.unref();
      return {
        async stop() {
          clearInterval(timer);
          await running;
        },
      };
    };
    const stale = every(STALE_SCAN_MS, async () => {
      const n = await detectStale(db, bus.naming, config.staleAfterIntervals);
      if (n > 0) {
        log.warn({ watches: n }, 'watches went stale: no successful check for their stale period');
        relay.kick();
      }
    }, 'stale detection');
    const pruner = every(PRUNE_MS, async () => {
      const pruned = await pruneHistory(db, { retentionDays: config.eventRetentionDays });
      log.info({ pruned }, 'pruned history');
    }, 'history pruning');

    const unwatchStates = watchStatesGauge(db, metrics);

    return {
      async stop() {
        unwatchStates();
        await Promise.all([stale.stop(), pruner.stop()]);
        await consumption.stop();
        await relay.stop();
      },
    };
  },
};
