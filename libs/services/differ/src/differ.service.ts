import type { RunningService, ServiceContext, ServiceModule } from '@slotwatch/runtime';
import { applyObservation } from './differ.logic';
import { pruneOutbox, startOutboxRelay } from './outbox.relay';

/** Turns observations into slot state and slot events; relays the events to SLOT_EVENTS. */
export const differService: ServiceModule = {
  name: 'differ',
  async start(ctx: ServiceContext): Promise<RunningService> {
    const { db, bus, log, metrics } = ctx;
    const relay = await startOutboxRelay(db, bus, log, (n) => metrics.outboxBacklog.set(n));
    const consumption = await bus.consume(
      'differ',
      'slots.observed',
      async (obs) => {
        const result = await applyObservation(db, bus.naming, obs);
        if (result.applied) {
          metrics.slotsOpened.inc({ provider: obs.provider }, result.opened);
          metrics.slotsClosed.inc({ provider: obs.provider }, result.closed);
          if (result.opened + result.closed > 0) relay.kick();
        }
      },
      { concurrency: 16, onFate: (fate) => metrics.messagesHandled.inc({ consumer: 'differ', fate }) },
    );
    const pruner = setInterval(() => void pruneOutbox(db).catch(() => undefined), 3_600_000);
    pruner.unref();
    return {
      async stop() {
        clearInterval(pruner);
        await consumption.stop();
        await relay.stop();
      },
    };
  },
};
