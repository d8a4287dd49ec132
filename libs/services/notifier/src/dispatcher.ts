import type { AttemptOutcome, Channel } from '@slotwatch/channel-core';
import { nextAttemptDelayMs, type WebhookMessage } from '@slotwatch/channel-webhook';
import type { Db, SecretBox } from '@slotwatch/db';
import type { Metrics } from '@slotwatch/telemetry';
import type { Logger } from 'pino';
import { claimDue, disableWebhook, nextDueAt, recordAttempt, type ClaimedDelivery } from './deliveries.repository';

export interface DispatcherOptions {
  db: Db;
  channel: Channel<WebhookMessage>;
  secrets: SecretBox;
  log: Logger;
  metrics: Metrics;
  concurrency: number;
}

/**
 * Sends due deliveries with bounded concurrency. Wakes at once on NOTIFY from the fan-out (or a
 * direct kick), otherwise sleeps until the next retry is due (at most 1 s).
 */
export async function startDispatcher(o: DispatcherOptions): Promise<{ kick(): void; stop(): Promise<void> }> {
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pumping: Promise<void> | undefined;
  let again = false;

  const send = async (d: ClaimedDelivery): Promise<void> => {
    let outcome: AttemptOutcome;
    try {
      outcome = await o.channel.send({ webhookId: d.webhookId, url: d.url, secrets: [o.secrets.open(d.secretSealed)], msgId: d.eventId, body: d.body });
    } catch (error) {
      outcome = { kind: 'retry', durationMs: 0, error: error instanceof Error ? error.message : String(error) };
    }
    o.metrics.deliveries.inc({ channel: 'webhook', outcome: outcome.kind });
    const base = { deliveryId: d.id, outcome: outcome.kind, status: outcome.status ?? null, durationMs: outcome.durationMs, response: outcome.response?.slice(0, 4096) ?? null };
    if (outcome.kind === 'delivered') {
      o.metrics.deliveryLatency.observe({ channel: 'webhook' }, (Date.now() - new Date(d.eventAt).getTime()) / 1000);
      await recordAttempt(o.db, { ...base, error: null, next: { status: 'delivered' } });
    } else if (outcome.kind === 'retry') {
      const delay = nextAttemptDelayMs(d.attempts, { retryAfterMs: outcome.retryAfterMs, overloaded: outcome.overloaded });
      const next = delay === undefined ? ({ status: 'failed' } as const) : ({ status: 'pending', at: new Date(Date.now() + delay) } as const);
      await recordAttempt(o.db, { ...base, error: outcome.error, next });
    } else {
      await recordAttempt(o.db, { ...base, error: outcome.error, next: { status: 'failed' } });
      if (outcome.kind === 'disable') {
        o.log.warn({ webhookId: d.webhookId, status: outcome.status }, 'webhook disabled: the endpoint answered 410 Gone');
        await disableWebhook(o.db, d.webhookId, `endpoint answered ${outcome.status ?? 410} Gone`);
      }
    }
  };

  const pump = (): void => {
    if (stopped) return;
    if (pumping) {
      again = true;
      return;
    }
    clearTimeout(timer);
    pumping = (async () => {
      do {
        again = false;
        try {
          for (;;) {
            const batch = await claimDue(o.db, o.concurrency - inFlight.size);
            for (const d of batch) {
              const job: Promise<void> = send(d)
                .catch((error: unknown) => o.log.error({ err: error, deliveryId: d.id }, 'delivery bookkeeping failed'))
                .finally(() => {
                  inFlight.delete(job);
                  pump();
                });
              inFlight.add(job);
            }
            if (batch.length === 0 || inFlight.size >= o.concurrency) break;
          }
        } catch (error) {
          o.log.warn({ err: error }, 'could not claim deliveries; retrying');
          again = true;
          await new Promise((r) => setTimeout(r, 500));
        }
      } while (again && !stopped);
    })().finally(() => {
      pumping = undefined;
      if (!stopped) void schedule();
    });
  };

  const schedule = async (): Promise<void> => {
    const due = await nextDueAt(o.db).catch(() => undefined);
    const wait = due ? Math.min(1000, Math.max(10, due.getTime() - Date.now())) : 1000;
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(pump, wait);
  };

  const listener = await o.db.listen('slotwatch_deliveries', () => pump());
  pump();

  return {
    kick: pump,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await listener.unlisten();
      await pumping;
      await Promise.allSettled([...inFlight]);
    },
  };
}
