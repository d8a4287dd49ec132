import { createEmailChannel } from '@slotwatch/channel-email';
import { createTwitterChannel } from '@slotwatch/channel-twitter';
import { createCircuitBreaker, createWebhookChannel } from '@slotwatch/channel-webhook';
import type { Config } from '@slotwatch/config';
import { findProvider } from '@slotwatch/providers';
import type { RunningService, ServiceContext, ServiceModule } from '@slotwatch/runtime';
import type { Logger } from 'pino';
import { startBatchDispatcher } from './batch.dispatcher';
import { startDispatcher } from './dispatcher';
import { fanOut, fanOutWatchEvent, watchOwner, type FanOutChannels } from './fanout.repository';
import { batchRetryDelayMs, type SenderContext } from './sender.context';
import { webhookBody } from './webhook.body';

/** Matches slot events to subscriptions (deliveries in Postgres) and sends them: webhooks, email, X. */
export const notifierService: ServiceModule = {
  name: 'notifier',
  async start(ctx: ServiceContext): Promise<RunningService> {
    const { db, bus, log, config, metrics, secrets } = ctx;
    const breaker = createCircuitBreaker();
    const webhookChannel = createWebhookChannel({ allowPrivate: config.webhookAllowPrivate, timeoutMs: 15_000, userAgent: 'slotwatch-webhooks/0.1', breaker });
    const dispatcher = await startDispatcher({ db, channel: webhookChannel, breaker, secrets, log, metrics, concurrency: config.deliveryConcurrency, stopGraceMs: config.shutdownGraceMs });

    const email = emailChannel(config, log);
    const twitter = twitterChannel(config, log);
    const senders: SenderContext = {
      db, secrets, log, metrics, publicUrl: config.publicUrl,
      retryDelayMs: batchRetryDelayMs,
      bookingUrl: (watch) => {
        try {
          return findProvider(watch.provider)?.bookingUrl?.(watch.target as never);
        } catch {
          return undefined;
        }
      },
    };
    const batchLoops = await startBatchDispatcher({
      ctx: senders,
      email: email && { channel: email, mailto: config.mailUnsubscribeMailto ?? mailbox(config.mailFrom) },
      twitter: twitter && { channel: twitter },
      stopGraceMs: config.shutdownGraceMs,
    });
    const channels: FanOutChannels = {
      ...(email && { email: { windowS: config.emailDigestWindowS } }),
      ...(twitter && { twitter: { windowS: config.twitterCoalesceS } }),
    };

    const consumption = await bus.consume(
      'notifier',
      'slots.changed',
      async (event) => {
        const owner = event.visibility === 'private' ? await watchOwner(db, event.watch.id) : null;
        const created = await fanOut(db, event, webhookBody(event), owner, channels);
        if (created.webhooks > 0) dispatcher.kick();
        if (created.email + created.twitter > 0) for (const loop of batchLoops) loop.kick();
      },
      { concurrency: 32, onFate: (fate) => metrics.messagesHandled.inc({ consumer: 'notifier', fate }) },
    );
    // Operators are told when a watch goes stale, recovers, or is shut out upstream (captcha, refused login).
    const watchEvents = await bus.consume(
      'notifierWatch',
      'watch.event',
      async (event) => {
        const owner = event.visibility === 'private' ? await watchOwner(db, event.watch.id) : null;
        if ((await fanOutWatchEvent(db, event, owner)) > 0) dispatcher.kick();
      },
      { concurrency: 8, onFate: (fate) => metrics.messagesHandled.inc({ consumer: 'notifier-watch', fate }) },
    );
    return {
      async stop() {
        await consumption.stop();
        await watchEvents.stop();
        await Promise.all([dispatcher.stop(), ...batchLoops.map((loop) => loop.stop())]);
        await webhookChannel.close();
        email?.close();
        twitter?.close();
      },
    };
  },
};

function emailChannel(config: Config, log: Logger) {
  if (!config.smtpUrl || !config.mailFrom) {
    log.info('email channel off: SMTP_URL is not set (email subscriptions are accepted but no mail is sent)');
    return undefined;
  }
  if (!config.publicUrl.startsWith('https://')) {
    log.warn({ publicUrl: config.publicUrl }, 'SLOTWATCH_PUBLIC_URL is not https: mail clients offer one-click unsubscribe (RFC 8058) only for https links');
  }
  log.info({ dkim: Boolean(config.mailDkim), digestWindowS: config.emailDigestWindowS }, 'email channel on');
  return createEmailChannel({ smtpUrl: config.smtpUrl, from: config.mailFrom, dkim: config.mailDkim });
}

function twitterChannel(config: Config, log: Logger) {
  if (!config.twitterAppKey || !config.twitterAppSecret) {
    log.info('X channel off: TWITTER_APP_KEY and TWITTER_APP_SECRET are not set');
    return undefined;
  }
  log.info({ apiUrl: config.twitterApiUrl, coalesceS: config.twitterCoalesceS }, 'X channel on');
  return createTwitterChannel({ appKey: config.twitterAppKey, appSecret: config.twitterAppSecret, apiUrl: config.twitterApiUrl });
}

/** The bare address of "Name <addr>". */
function mailbox(from: string | undefined): string | undefined {
  if (!from) return undefined;
  return /<([^>]+)>/.exec(from)?.[1] ?? from.trim();
}
