import { composePost, type PostGroup, type TwitterChannel } from '@slotwatch/channel-twitter';
import { batchItems, finishBatch, recordBatchAttempt, requeueItems, rescheduleBatch, settleItems, type BatchItem, type ClaimedBatch } from './batches.repository';
import { groupBy, seenAt, stillOpen, type SenderContext } from './sender.context';
import { watchesNow } from './slot-state.repository';
import { budgetWait, loadAccount, saveBudget } from './twitter.repository';

export interface TwitterSender {
  send(batch: ClaimedBatch): Promise<void>;
}

/** A retry of the same text within this long reuses it, so X's "duplicate content" proves it posted. */
const REUSE_TEXT_MS = 10 * 60_000;

/**
 * One post per due batch of an X account: the window's slots that are still open, of public
 * watches only, within the account's posting budget.
 */
export function createTwitterSender(ctx: SenderContext, channel: TwitterChannel): TwitterSender {
  const { db } = ctx;

  return {
    async send(batch) {
      const items = await batchItems(db, batch.id);
      const account = await loadAccount(db, batch.subscriptionId);
      if (!account || account.disabled) return finishBatch(db, batch.id, 'cancelled', 'the X account is gone or disabled');
      if (items.length === 0) return finishBatch(db, batch.id, 'cancelled', 'no pending events');

      const byWatch = groupBy(items, (i) => i.watchId);
      const watches = await watchesNow(db, [...byWatch.keys()]);
      const groups: PostGroup[] = [];
      const posting: BatchItem[] = [];
      for (const [watchId, watchItems] of byWatch) {
        const watch = watches.get(watchId);
        // A private watch's events never go to X, even if it turned private after the event.
        if (!watch || watch.visibility !== 'public' || !account.watchIds.includes(watchId)) {
          await settleItems(db, ids(watchItems), 'cancelled', 'the watch is gone, private or no longer on this account');
          continue;
        }
        const { announce, riders, gone } = stillOpen(watchItems, watch);
        await settleItems(db, ids(gone), 'cancelled', 'the slot closed before the post went out');
        if (announce.length === 0) continue;
        groups.push({ watchName: watch.name, bookingUrl: ctx.bookingUrl(watch), slots: announce.map((i) => i.startsAt), seenAt: seenAt(announce, watch) });
        posting.push(...announce, ...riders);
      }
      if (groups.length === 0) return finishBatch(db, batch.id, 'cancelled', 'nothing left to announce');

      const wait = batch.summary && !spentNow(account.budget) ? undefined : budgetWait(account.budget, Date.now());
      if (wait) {
        // Not now: the items wait (and gather) in the open batch; the post then sums them up.
        await requeueItems(db, batch, ids(posting), wait.until, { mode: 'later', attempts: Math.max(0, batch.attempts - 1), summary: true });
        ctx.log.info({ accountId: account.id, until: wait.until, spent: wait.spent }, 'X posting budget low: the next post sums up');
        return finishBatch(db, batch.id, 'requeued', wait.spent ? 'posting budget spent' : 'posting budget low');
      }

      const reuse = batch.content && Date.now() - batch.createdAt.getTime() < REUSE_TEXT_MS;
      const oldest = Math.min(...posting.map((i) => i.eventAt.getTime()));
      const text = reuse
        ? batch.content!
        : composePost({ language: account.language, groups, now: new Date(), ...(batch.summary && { summaryMinutes: Math.max(1, Math.round((Date.now() - oldest) / 60_000)) }) });
      const tokens = JSON.parse(ctx.secrets.open(account.tokensSealed)) as { accessToken: string; accessSecret: string };
      const outcome = await channel.send({ ...tokens, text });
      ctx.metrics.deliveries.inc({ channel: 'twitter', outcome: outcome.kind });
      const error = outcome.kind === 'delivered' ? null : outcome.error;
      await saveBudget(db, account.id, outcome.budget, { posted: outcome.kind === 'delivered', error });
      await recordBatchAttempt(db, batch.id, { outcome: outcome.kind, status: outcome.status ?? null, durationMs: outcome.durationMs, error, response: outcome.response ?? null });

      if (outcome.kind === 'delivered') {
        await settleItems(db, ids(posting), 'delivered', outcome.duplicate ? 'X: duplicate content (posted before)' : null);
        for (const item of posting) ctx.metrics.deliveryLatency.observe({ channel: 'twitter' }, (Date.now() - item.eventAt.getTime()) / 1000);
        return finishBatch(db, batch.id, 'sent', null, text);
      }
      if (outcome.kind === 'retry') {
        // 429: wait for x-rate-limit-reset, and it does not count against the retries.
        const rateLimited = outcome.status === 429;
        const delay = rateLimited ? (outcome.retryAfterMs ?? 15 * 60_000) + 1000 : ctx.retryDelayMs(batch.attempts);
        if (delay !== undefined) return rescheduleBatch(db, batch.id, new Date(Date.now() + delay), { countAttempt: !rateLimited, error, content: text });
      }
      if (outcome.status === 401) ctx.log.warn({ accountId: account.id }, 'X refused the account tokens (401): set new ones with PUT /v1/twitter-accounts/:id');
      await settleItems(db, ids(posting), 'failed', error);
      return finishBatch(db, batch.id, 'failed', error, text);
    },
  };
}

/** A window spent right now (a deferred summary still waits for that reset). */
function spentNow(b: { remaining: number | null; resetAt: Date | null; dayRemaining: number | null; dayResetAt: Date | null }): boolean {
  const now = Date.now();
  return (b.remaining !== null && b.remaining <= 0 && !!b.resetAt && new Date(b.resetAt).getTime() > now) || (b.dayRemaining !== null && b.dayRemaining <= 0 && !!b.dayResetAt && new Date(b.dayResetAt).getTime() > now);
}

const ids = (items: BatchItem[]) => items.map((i) => i.deliveryId);
