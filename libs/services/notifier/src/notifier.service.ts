import { createWebhookChannel } from '@slotwatch/channel-webhook';
import type { RunningService, ServiceContext, ServiceModule } from '@slotwatch/runtime';
import { fanOut, watchOwner } from './deliveries.repository';
import { startDispatcher } from './dispatcher';
import { webhookBody } from './webhook.body';

/** Matches slot events to subscriptions (deliveries in Postgres) and sends them. */
export const notifierService: ServiceModule = {
  name: 'notifier',
  async start(ctx: ServiceContext): Promise<RunningService> {
    const { db, bus, log, config, metrics, secrets } = ctx;
    const channel = createWebhookChannel({ allowPrivate: config.webhookAllowPrivate, timeoutMs: 15_000, userAgent: 'slotwatch-webhooks/0.1' });
    const dispatcher = await startDispatcher({ db, channel, secrets, log, metrics, concurrency: config.deliveryConcurrency });
    const consumption = await bus.consume(
      'notifier',
      'slots.changed',
      async (event) => {
        const owner = event.visibility === 'private' ? await watchOwner(db, event.watch.id) : null;
        const created = await fanOut(db, event, webhookBody(event), owner);
        if (created > 0) dispatcher.kick();
      },
      { concurrency: 32, onFate: (fate) => metrics.messagesHandled.inc({ consumer: 'notifier', fate }) },
    );
    return {
      async stop() {
        await consumption.stop();
        await dispatcher.stop();
      },
    };
  },
};
