import { randomUUID } from 'node:crypto';
import { subjects, type CheckRequestedV1 } from '@slotwatch/contracts';
import type { RunningService, ServiceContext, ServiceModule } from '@slotwatch/runtime';
import { claimDue, releaseDue } from './schedule.repository';

/**
 * Emits one `check.requested` per due watch per interval. The message id `<watchId>:<tick>` lets
 * JetStream drop a second copy should two scheduler replicas ever emit the same tick.
 */
export const schedulerService: ServiceModule = {
  name: 'scheduler',
  async start(ctx: ServiceContext): Promise<RunningService> {
    const { db, bus, log, config } = ctx;
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
        try {
          await bus.publish('check.requested', subjects.checkRequested(bus.naming, watch.provider), message, `${watch.watchId}:${watch.tick}`);
        } catch (error) {
          log.warn({ err: error, watchId: watch.watchId }, 'could not request a check; will retry');
          await releaseDue(db, watch.watchId);
        }
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
