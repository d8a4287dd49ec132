import { randomUUID } from 'node:crypto';
import { SpanStatusCode } from '@opentelemetry/api';
import { subjects, type CheckRequestedV1, spanAttr } from '@slotwatch/contracts';
import type { RunningService, ServiceContext, ServiceModule } from '@slotwatch/runtime';
import { claimDue, releaseDue } from './schedule.repository';

/**
 * Emits one `check.requested` per due watch per interval. The message id `<watchId>:<tick>` lets
 * JetStream drop a second copy should two scheduler replicas ever emit the same tick.
 */
export const schedulerService: ServiceModule = {
  name: 'scheduler',
  async start(ctx: ServiceContext): Promise<RunningService> {
    const { db, bus, log, config, metrics, tracer } = ctx;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let current: Promise<void> = Promise.resolve();

    const tick = async (): Promise<void> => {
      const due = await claimDue(db);
      for (const watch of due) {
        const message: CheckRequestedV1 = {
          v: 1,
          checkId: randomUUID(),
          watchId: watch.watchId,
          provider: watch.provider,
          tick: watch.tick,
          requestedAt: new Date().toISOString(),
        };
        // Each check is one trace: its root span starts here (docs/observability.md).
        const attributes = { [spanAttr.watchId]: watch.watchId, [spanAttr.provider]: watch.provider, [spanAttr.checkId]: message.checkId, [spanAttr.checkTick]: watch.tick };
        await tracer.startActiveSpan(`check ${watch.watchId}`, { root: true, attributes }, async (span) => {
          try {
            await bus.publish('check.requested', subjects.checkRequested(bus.naming, watch.provider), message, `${watch.watchId}:${watch.tick}`);
            metrics.checksRequested.inc({ provider: watch.provider });
          } catch (error) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: 'could not request the check' });
            log.warn({ err: error, watchId: watch.watchId }, 'could not request a check; will retry');
            await releaseDue(db, watch.watchId);
          } finally {
            span.end();
          }
        });
      }
    };

    const loop = () => {
      if (stopped) return;
      current = tick()
        .catch((error: unknown) => log.error({ err: error }, 'scheduler tick failed'))
        .finally(() => {
          if (!stopped) timer = setTimeout(loop, config.schedulerTickMs);
        });
    };
    loop();

    return {
      async stop() {
        stopped = true;
        clearTimeout(timer);
        await current;
      },
    };
  },
};
