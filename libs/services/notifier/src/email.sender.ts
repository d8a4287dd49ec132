import { renderAlertMail, type AlertGroup, type EmailChannel } from '@slotwatch/channel-email';
import {
  addStillOpen,
  batchItems,
  finishBatch,
  recordBatchAttempt,
  requeueItems,
  rescheduleBatch,
  settleItems,
  type BatchItem,
  type ClaimedBatch,
} from './batches.repository';
import { lastMailed, loadSubscriber, markBounced, markMailed, type Subscriber } from './email.repository';
import { inQuietHours, quietHoursEnd } from './quiet-hours';
import { groupBy, seenAt, stillOpen, type SenderContext } from './sender.context';
import { slotMatches, watchesNow, type WatchNow } from './slot-state.repository';

export interface EmailSender {
  send(batch: ClaimedBatch): Promise<void>;
}

/**
 * One mail per due batch, built from the batch's events and the state now, with every anti-spam
 * rule of the subscription: quiet hours (drop, then a "still open now" digest when they end), flap
 * collapse (closed already: not announced), minCount (per watch, open slots matching the filters),
 * a cooldown per watch (those items wait for its end and are checked again).
 */
export function createEmailSender(ctx: SenderContext, channel: EmailChannel, options: { mailto?: string }): EmailSender {
  const { db } = ctx;

  async function sendAlerts(batch: ClaimedBatch, sub: Subscriber): Promise<void> {
    const items = await batchItems(db, batch.id);
    if (items.length === 0) return finishBatch(db, batch.id, 'cancelled', 'no pending events');
    const now = new Date();
    if (sub.quiet && inQuietHours(now, { ...sub.quiet, timeZone: sub.timeZone })) {
      await settleItems(db, ids(items), 'cancelled', 'dropped: quiet hours (the still-open digest follows)');
      await addStillOpen(db, 'email', sub.id, quietHoursEnd(now, { ...sub.quiet, timeZone: sub.timeZone }), [...new Set(items.map((i) => i.watchId))]);
      await db`SELECT pg_notify('slotwatch_batches', '')`;
      return finishBatch(db, batch.id, 'cancelled', 'quiet hours');
    }
    const byWatch = groupBy(items, (i) => i.watchId);
    const watches = await watchesNow(db, [...byWatch.keys()]);
    const mailed = await lastMailed(db, sub.id, [...byWatch.keys()]);
    const groups: AlertGroup[] = [];
    const sending: BatchItem[] = [];
    const sentWatches: string[] = [];
    for (const [watchId, watchItems] of byWatch) {
      const watch = watches.get(watchId);
      if (!watch || !mayMail(watch, sub)) {
        await settleItems(db, ids(watchItems), 'cancelled', 'the watch is gone or private');
        continue;
      }
      const unwanted = watchItems.filter((i) => !slotMatches(sub.filter, i.startsAt));
      await settleItems(db, ids(unwanted), 'cancelled', "outside the subscriber's filters");
      const { announce, riders, gone } = stillOpen(watchItems.filter((i) => !unwanted.includes(i)), watch);
      await settleItems(db, ids(gone), 'cancelled', 'the slot closed before the mail went out');
      if (announce.length === 0) continue;
      const openCount = watch.open.filter((s) => slotMatches(sub.filter, s.startsAt)).length;
      if (openCount < sub.minCount) {
        await settleItems(db, ids([...announce, ...riders]), 'cancelled', `fewer than ${sub.minCount} open slots (${openCount})`);
        continue;
      }
      const last = mailed.get(watchId);
      if (last && sub.cooldownS > 0 && now.getTime() - last.getTime() < sub.cooldownS * 1000) {
        await requeueItems(db, batch, ids([...announce, ...riders]), new Date(last.getTime() + sub.cooldownS * 1000), { mode: 'keep', attempts: 0 });
        continue;
      }
      groups.push(group(watch, announce, openCount));
      sending.push(...announce, ...riders);
      sentWatches.push(watchId);
    }
    if (groups.length === 0) return finishBatch(db, batch.id, 'cancelled', 'nothing left to announce');
    await deliver(batch, sub, 'alerts', groups, { items: sending, watches: sentWatches });
  }

  async function sendStillOpen(batch: ClaimedBatch, sub: Subscriber): Promise<void> {
    const now = new Date();
    if (sub.quiet && inQuietHours(now, { ...sub.quiet, timeZone: sub.timeZone })) {
      await addStillOpen(db, 'email', sub.id, quietHoursEnd(now, { ...sub.quiet, timeZone: sub.timeZone }), batch.watchIds);
      return finishBatch(db, batch.id, 'cancelled', 'still in quiet hours: moved to their end');
    }
    const watches = await watchesNow(db, batch.watchIds);
    const groups: AlertGroup[] = [];
    for (const watch of watches.values()) {
      if (!mayMail(watch, sub)) continue;
      const open = watch.open.filter((s) => slotMatches(sub.filter, s.startsAt));
      if (open.length === 0 || open.length < sub.minCount) continue;
      groups.push({ watchName: watch.name, bookingUrl: ctx.bookingUrl(watch), slots: open.map((s) => s.startsAt), openCount: open.length, seenAt: new Date(watch.lastSuccessAt ?? now) });
    }
    if (groups.length === 0) return finishBatch(db, batch.id, 'cancelled', 'nothing is still open');
    await deliver(batch, sub, 'still-open', groups, { items: [], watches: groups.length ? [...watches.keys()] : [] });
  }

  function group(watch: WatchNow, items: BatchItem[], openCount: number): AlertGroup {
    const holds = items.map((i) => i.attributes.expiresAt).filter((x): x is string => typeof x === 'string').sort();
    const details = [...new Set(items.flatMap((i) => [i.attributes.vaccineName, i.attributes.siteName]).filter((x): x is string => typeof x === 'string' && x !== ''))];
    return {
      watchName: watch.name, bookingUrl: ctx.bookingUrl(watch), slots: items.map((i) => i.startsAt), openCount, seenAt: seenAt(items, watch),
      ...(holds[0] ? { heldUntil: holds[0] } : {}),
      ...(details.length ? { details } : {}),
    };
  }

  async function deliver(batch: ClaimedBatch, sub: Subscriber, kind: 'alerts' | 'still-open', groups: AlertGroup[], what: { items: BatchItem[]; watches: string[] }): Promise<void> {
    const token = ctx.secrets.open(sub.unsubscribeTokenSealed);
    const unsubscribeUrl = `${ctx.publicUrl}/v1/subscriptions/unsubscribe?token=${encodeURIComponent(token)}`;
    const mail = renderAlertMail({ language: sub.language, kind, groups, now: new Date(), unsubscribeUrl });
    const mailto = options.mailto ? `mailto:${options.mailto}?subject=${encodeURIComponent(`unsubscribe ${token}`)}` : undefined;
    const outcome = await channel.send({ to: ctx.secrets.open(sub.emailSealed), ...mail, unsubscribe: { url: unsubscribeUrl, mailto } });
    ctx.metrics.deliveries.inc({ channel: 'email', outcome: outcome.kind });
    await recordBatchAttempt(db, batch.id, { outcome: outcome.kind, status: outcome.status ?? null, durationMs: outcome.durationMs, error: outcome.kind === 'delivered' ? null : outcome.error, response: outcome.response ?? null });
    if (outcome.kind === 'delivered') {
      await settleItems(db, ids(what.items), 'delivered', null);
      for (const item of what.items) ctx.metrics.deliveryLatency.observe({ channel: 'email' }, (Date.now() - item.eventAt.getTime()) / 1000);
      await markMailed(db, sub.id, what.watches);
      return finishBatch(db, batch.id, 'sent', null);
    }
    if (outcome.kind === 'retry') {
      const delay = ctx.retryDelayMs(batch.attempts);
      if (delay !== undefined) {
        const at = new Date(Date.now() + delay);
        // Alerts rejoin the open batch (one mail after the outage); a digest keeps its own row.
        if (kind === 'still-open') return rescheduleBatch(db, batch.id, at, { countAttempt: true, error: outcome.error });
        await requeueItems(db, batch, ids(what.items), at, { mode: 'later', attempts: batch.attempts });
        return finishBatch(db, batch.id, 'requeued', outcome.error);
      }
    }
    const error = outcome.error;
    await settleItems(db, ids(what.items), 'failed', error);
    if (outcome.kind === 'failed' && outcome.bounce) {
      ctx.log.warn({ subscriberId: sub.id, status: outcome.status }, 'email subscriber bounced; no more mail to this address');
      await markBounced(db, sub.id, error ?? 'bounce');
    }
    await finishBatch(db, batch.id, 'failed', error);
  }

  return {
    async send(batch) {
      const sub = await loadSubscriber(db, batch.subscriptionId);
      if (!sub?.active) {
        if (batch.kind === 'alerts') await settleItems(db, ids(await batchItems(db, batch.id)), 'cancelled', 'unsubscribed, unconfirmed or bounced');
        return finishBatch(db, batch.id, 'cancelled', 'the subscriber takes no mail');
      }
      return batch.kind === 'still-open' ? sendStillOpen(batch, sub) : sendAlerts(batch, sub);
    },
  };
}

const ids = (items: BatchItem[]) => items.map((i) => i.deliveryId);

/** Public watches to anyone who asked; a private one only to addresses its owner subscribed. */
function mayMail(watch: WatchNow, sub: Subscriber): boolean {
  return watch.visibility === 'public' || (sub.ownerKeyId !== null && watch.owner === sub.ownerKeyId);
}
