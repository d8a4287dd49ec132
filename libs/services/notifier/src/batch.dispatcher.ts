import { renderConfirmationMail, type EmailChannel } from '@slotwatch/channel-email';
import type { TwitterChannel } from '@slotwatch/channel-twitter';
import { claimBatches, nextBatchDueAt, type BatchChannel, type ClaimedBatch } from './batches.repository';
import { claimConfirmations, nextConfirmationDueAt, settleConfirmation, type PendingConfirmation } from './email.repository';
import { createEmailSender } from './email.sender';
import type { SenderContext } from './sender.context';
import { createTwitterSender } from './twitter.sender';
import { startWorkLoop, type WorkLoop } from './work-loop';

export interface BatchDispatcherOptions {
  ctx: SenderContext;
  email?: { channel: EmailChannel; mailto?: string };
  twitter?: { channel: TwitterChannel };
  concurrency?: number;
  stopGraceMs?: number;
}

/**
 * Sends the email and X batches when their window closes (woken by NOTIFY slotwatch_batches, else at
 * the next due time), and the confirmation mails the api asks for (NOTIFY slotwatch_mail).
 */
export async function startBatchDispatcher(o: BatchDispatcherOptions): Promise<WorkLoop[]> {
  const { ctx } = o;
  const channels: BatchChannel[] = [...(o.email ? (['email'] as const) : []), ...(o.twitter ? (['twitter'] as const) : [])];
  if (channels.length === 0) return [];
  const email = o.email && createEmailSender(ctx, o.email.channel, { mailto: o.email.mailto });
  const twitter = o.twitter && createTwitterSender(ctx, o.twitter.channel);

  const loops: WorkLoop[] = [
    await startWorkLoop<ClaimedBatch>({
      db: ctx.db,
      log: ctx.log,
      name: 'batches',
      channels: ['slotwatch_batches'],
      concurrency: o.concurrency ?? 8,
      stopGraceMs: o.stopGraceMs,
      claim: (n) => claimBatches(ctx.db, n, channels),
      handle: (batch) => (batch.channel === 'email' ? email!.send(batch) : twitter!.send(batch)),
      nextDueAt: () => nextBatchDueAt(ctx.db, channels),
    }),
  ];

  if (o.email) {
    const channel = o.email.channel;
    loops.push(
      await startWorkLoop<PendingConfirmation>({
        db: ctx.db,
        log: ctx.log,
        name: 'confirmations',
        channels: ['slotwatch_mail'],
        concurrency: 4,
        stopGraceMs: o.stopGraceMs,
        claim: (n) => claimConfirmations(ctx.db, n),
        handle: async (c) => {
          const token = ctx.secrets.open(c.tokenSealed);
          const mail = renderConfirmationMail({ language: c.language, confirmUrl: `${ctx.publicUrl}/v1/subscriptions/confirm?token=${encodeURIComponent(token)}` });
          const outcome = await channel.send({ to: ctx.secrets.open(c.emailSealed), ...mail });
          ctx.metrics.deliveries.inc({ channel: 'email', outcome: outcome.kind });
          if (outcome.kind === 'delivered') return settleConfirmation(ctx.db, c.id, { status: 'sent' });
          const delay = outcome.kind === 'retry' ? ctx.retryDelayMs(c.attempts) : undefined;
          await settleConfirmation(ctx.db, c.id, delay === undefined ? { status: 'failed', error: outcome.error } : { status: 'pending', at: new Date(Date.now() + delay), error: outcome.error });
        },
        nextDueAt: () => nextConfirmationDueAt(ctx.db),
      }),
    );
  }
  return loops;
}
