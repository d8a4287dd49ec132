import type { AttemptOutcome, Channel } from '@slotwatch/channel-core';
import { isCircuitOpen, nextAttemptDelayMs, type CircuitBreaker, type RetryHints, type WebhookMessage } from '@slotwatch/channel-webhook';
import type { Db, SecretBox } from '@slotwatch/db';
import type { Metrics } from '@slotwatch/telemetry';
import type { Logger } from 'pino';
import {
  cancelDelivery,
  claimDue,
  deferDeliveries,
  disableWebhook,
  nextDueAt,
  recordAttempts,
  type AttemptRecord,
  type ClaimedDelivery,
} from './deliveries.repository';
import { groupCommit } from './group-commit';
import { deliverySpan } from './notifier.telemetry';
import { startWorkLoop, type WorkLoop } from './work-loop';

/** Svix disables an endpoint whose every attempt failed for 5 days (research §1c). */
export const DISABLE_AFTER_MS = 5 * 24 * 3600 * 1000;

export interface DispatcherOptions {
  db: Db;
  channel: Channel<WebhookMessage>;
  /** The breaker the channel uses: endpoints whose circuit is open are not even claimed. */
  breaker: CircuitBreaker;
  secrets: SecretBox;
  log: Logger;
  metrics: Metrics;
  concurrency: number;
  /** Deliveries in flight to one webhook at most (about: a claim may add up to this many more). Default concurrency/8. */
  perEndpoint?: number;
  /** The retry schedule; tests inject a short one. Default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h ±20 %. */
  retryDelayMs?: (failedAttempts: number, hints: RetryHints) => number | undefined;
  /** Continuous failure that disables an endpoint. Default 5 days. */
  disableAfterMs?: number;
  stopGraceMs?: number;
}

/**
 * Sends due webhook deliveries: signs with the current secret (and the previous one during a
 * rotation), records every attempt (group commit), reschedules, disables an endpoint on 410 or
 * after 5 days of failures and tells its owner.
 */
export async function startDispatcher(o: DispatcherOptions): Promise<WorkLoop> {
  const perEndpoint = o.perEndpoint ?? Math.max(1, Math.ceil(o.concurrency / 8));
  const retryDelay = o.retryDelayMs ?? ((n: number, hints: RetryHints) => nextAttemptDelayMs(n, hints));
  const disableAfterMs = o.disableAfterMs ?? DISABLE_AFTER_MS;
  const perWebhook = new Map<string, number>();
  /** Webhooks that failed lately: the ones whose circuit may be open. */
  const failed = new Set<string>();
  const recording = new Set<Promise<void>>();
  /** The loop, once started (records settle after it exists). */
  const self: { loop?: WorkLoop } = {};
  const record = groupCommit((records: AttemptRecord[]) => recordAttempts(o.db, records));

  const disable = async (webhookId: string, reason: string): Promise<void> => {
    if (await disableWebhook(o.db, webhookId, reason)) o.log.warn({ webhookId, reason }, 'webhook disabled; its owner is told with a webhook.disabled event');
  };

  const send = async (d: ClaimedDelivery, signal: AbortSignal): Promise<void> => {
    if (d.deleted) return cancelDelivery(o.db, d.id, 'the webhook was deleted');
    let outcome: AttemptOutcome;
    try {
      const secrets = [o.secrets.open(d.secretSealed), ...(d.previousSecretSealed ? [o.secrets.open(d.previousSecretSealed)] : [])];
      outcome = await deliverySpan('webhook', d, () => o.channel.send({ webhookId: d.webhookId, url: d.url, secrets, msgId: d.eventId, body: d.body }, signal));
    } catch (error) {
      outcome = { kind: 'retry', durationMs: 0, error: error instanceof Error ? error.message : String(error) };
    }
    // The breaker refused it (another probe is out): nothing was sent, so no attempt is spent.
    if (isCircuitOpen(outcome)) return deferDeliveries(o.db, [d.id], new Date(Date.now() + 2000));
    o.metrics.deliveries.inc({ channel: 'webhook', outcome: outcome.kind });
    const base = { deliveryId: d.id, webhookId: d.webhookId, outcome: outcome.kind, status: outcome.status ?? null, durationMs: outcome.durationMs, response: outcome.response?.slice(0, 4096) ?? null };
    let rec: AttemptRecord;
    if (outcome.kind === 'delivered') {
      o.metrics.deliveryLatency.observe({ channel: 'webhook' }, (Date.now() - new Date(d.eventAt).getTime()) / 1000);
      rec = { ...base, error: null, next: { status: 'delivered' }, ok: true };
    } else if (outcome.kind === 'retry') {
      const delay = retryDelay(d.attempts, { retryAfterMs: outcome.retryAfterMs, overloaded: outcome.overloaded });
      rec = { ...base, error: outcome.error, next: delay === undefined ? { status: 'failed' } : { status: 'pending', at: new Date(Date.now() + delay) }, ok: false };
    } else {
      rec = { ...base, error: outcome.error, next: { status: 'failed' }, ok: false };
    }
    if (!rec.ok) failed.add(d.webhookId);
    // The slot frees as soon as the receiver answered; the record commits with the next group
    // (the lease keeps the delivery from being claimed again meanwhile). Too many waiting: wait too.
    const recorded = record(rec)
      .then(async (failing) => {
        // A retry may now be due sooner than what the loop last saw (the lease).
        if (rec.next.status === 'pending') self.loop?.kick();
        const failingSince = failing.get(d.webhookId);
        if (outcome.kind === 'disable') {
          await disable(d.webhookId, `the endpoint answered ${outcome.status ?? 410} Gone`);
        } else if (failingSince && Date.now() - failingSince.getTime() >= disableAfterMs) {
          await disable(d.webhookId, `every attempt failed since ${failingSince.toISOString()} (${Math.floor(disableAfterMs / 3_600_000)} h without a success)`);
        }
      })
      .catch((error: unknown) => o.log.error({ err: error, deliveryId: d.id }, 'could not record a delivery attempt; it is sent again when its lease ends'))
      .finally(() => recording.delete(recorded));
    recording.add(recorded);
    if (recording.size > o.concurrency * 4) await recorded;
  };

  const started = await startWorkLoop<ClaimedDelivery>({
    db: o.db,
    log: o.log,
    name: 'webhooks',
    channels: ['slotwatch_deliveries'],
    concurrency: o.concurrency,
    minClaim: Math.max(1, Math.floor(o.concurrency / 4)),
    stopGraceMs: o.stopGraceMs,
    claim: async (n) => {
      const excluded = [...perWebhook].filter(([, count]) => count >= perEndpoint).map(([id]) => id);
      for (const id of openCircuits()) if (!excluded.includes(id)) excluded.push(id);
      const batch = await claimDue(o.db, n, { perEndpoint, excluded });
      for (const d of batch) perWebhook.set(d.webhookId, (perWebhook.get(d.webhookId) ?? 0) + 1);
      return batch;
    },
    handle: (d, signal) =>
      send(d, signal).finally(() => {
        const left = (perWebhook.get(d.webhookId) ?? 1) - 1;
        if (left <= 0) perWebhook.delete(d.webhookId);
        else perWebhook.set(d.webhookId, left);
      }),
    nextDueAt: () => nextDueAt(o.db),
  });
  self.loop = started;
  return {
    ...started,
    async stop() {
      await started.stop();
      await Promise.allSettled([...recording]);
    },
  };

  /** Webhooks whose circuit is open now: their deliveries wait unclaimed until a probe may go. */
  function openCircuits(): string[] {
    for (const id of failed) if (o.breaker.state(id) === 'closed') failed.delete(id);
    return [...failed].filter((id) => o.breaker.state(id) === 'open');
  }
}
