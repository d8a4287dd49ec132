import type { Db } from '@slotwatch/db';

export type BatchChannel = 'email' | 'twitter';

export interface ClaimedBatch {
  id: string;
  channel: BatchChannel;
  subscriptionId: string;
  kind: 'alerts' | 'still-open';
  /** Attempts so far, this one included. */
  attempts: number;
  watchIds: string[];
  /** Deferred because the X posting budget ran low: this post sums up a longer stretch. */
  summary: boolean;
  content: string | null;
  createdAt: Date;
}

/** One event waiting in a batch, as its stored webhook body describes it. */
export interface BatchItem {
  deliveryId: string;
  eventAt: Date;
  watchId: string;
  watchName: string;
  slotKey: string;
  startsAt: string;
  /** Provider facts of the slot (a BayIMCO hold's `expiresAt`, vaccine, site…). */
  attributes: Record<string, unknown>;
  observedAt: Date;
}

/** Leases due batches of the channels that are on (FOR UPDATE SKIP LOCKED); an open one closes to new events. */
export async function claimBatches(db: Db, limit: number, channels: BatchChannel[], leaseSeconds = 120): Promise<ClaimedBatch[]> {
  if (limit <= 0 || channels.length === 0) return [];
  const rows = await db<{ id: string; channel: BatchChannel; subscription_id: string; kind: 'alerts' | 'still-open'; attempts: number; watch_ids: string[]; summary: boolean; content: string | null; created_at: Date }[]>`
    WITH c AS (
      SELECT id FROM notify_batches
      WHERE status IN ('open', 'pending') AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
        AND channel = ANY(${db.array(channels)}::text[])
      ORDER BY next_attempt_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE notify_batches b SET status = 'pending', locked_until = now() + make_interval(secs => ${leaseSeconds}), attempts = b.attempts + 1
    FROM c WHERE b.id = c.id
    RETURNING b.id, b.channel, b.subscription_id, b.kind, b.attempts, b.watch_ids, b.summary, b.content, b.created_at`;
  return rows.map((r) => ({
    id: r.id, channel: r.channel, subscriptionId: r.subscription_id, kind: r.kind, attempts: r.attempts, watchIds: r.watch_ids,
    summary: r.summary, content: r.content, createdAt: r.created_at,
  }));
}

export async function batchItems(db: Db, batchId: string): Promise<BatchItem[]> {
  const rows = await db<{ id: string; event_at: Date; body: string }[]>`
    SELECT d.id, e.event_at, e.body FROM deliveries d JOIN notifier_events e ON e.event_id = d.event_id
    WHERE d.batch_id = ${batchId} AND d.status = 'pending' ORDER BY d.id`;
  return rows.map((r) => {
    const { data } = JSON.parse(r.body) as { data: { watch: { id: string; name: string }; slot: { key: string; startsAt: string; attributes?: Record<string, unknown> }; observedAt: string } };
    return {
      deliveryId: r.id, eventAt: r.event_at, watchId: data.watch.id, watchName: data.watch.name, slotKey: data.slot.key,
      startsAt: data.slot.startsAt, attributes: data.slot.attributes ?? {}, observedAt: new Date(data.observedAt),
    };
  });
}

export interface BatchAttempt {
  outcome: string;
  status: number | null;
  durationMs: number;
  error: string | null;
  response: string | null;
}

export async function recordBatchAttempt(db: Db, batchId: string, a: BatchAttempt): Promise<void> {
  await db`
    INSERT INTO notify_batch_attempts (batch_id, outcome, status, duration_ms, error, response)
    VALUES (${batchId}, ${a.outcome}, ${a.status}, ${Math.round(a.durationMs)}, ${a.error}, ${a.response?.slice(0, 4096) ?? null})`;
}

/** Settles items: delivered, failed, or cancelled with the reason (quiet hours, closed, below minCount…). */
export async function settleItems(db: Db, ids: string[], status: 'delivered' | 'failed' | 'cancelled', reason: string | null): Promise<void> {
  if (ids.length === 0) return;
  await db`
    UPDATE deliveries SET status = ${status}, last_error = ${reason}, attempts = attempts + 1,
      delivered_at = CASE WHEN ${status} = 'delivered' THEN now() ELSE delivered_at END
    WHERE id = ANY(${db.array(ids)}::bigint[]) AND status = 'pending'`;
}

export async function finishBatch(db: Db, batchId: string, status: 'sent' | 'failed' | 'cancelled' | 'requeued', error: string | null, content?: string): Promise<void> {
  // Nothing stays pending in a finished batch (requeued items were moved out already).
  await db`
    UPDATE deliveries SET status = 'cancelled', last_error = ${`left in a ${status} batch: ${error ?? 'no reason'}`}
    WHERE batch_id = ${batchId} AND status = 'pending'`;
  await db`
    UPDATE notify_batches SET status = ${status}, locked_until = NULL, last_error = ${error},
      content = COALESCE(${content ?? null}, content), sent_at = CASE WHEN ${status} = 'sent' THEN now() ELSE sent_at END
    WHERE id = ${batchId}`;
}

/** Tries the same batch again later (same content: an X retry must repeat the exact text). */
export async function rescheduleBatch(db: Db, batchId: string, at: Date, options: { countAttempt: boolean; error: string | null; content?: string }): Promise<void> {
  await db`
    UPDATE notify_batches SET status = 'pending', locked_until = NULL, next_attempt_at = ${at}, last_error = ${options.error},
      attempts = CASE WHEN ${options.countAttempt} THEN attempts ELSE GREATEST(attempts - 1, 0) END,
      content = COALESCE(${options.content ?? null}, content)
    WHERE id = ${batchId}`;
}

/**
 * Moves items into the subscription's open batch (created if there is none), due at `at`: `later`
 * pushes the open batch back to at least `at` (the channel cannot send before: retry, budget),
 * `keep` leaves an existing open batch's time (only these items wait: a watch's cooldown, which the
 * next send checks again). New events keep joining that open batch meanwhile.
 */
export async function requeueItems(
  db: Db,
  from: ClaimedBatch,
  ids: string[],
  at: Date,
  options: { mode: 'later' | 'keep'; attempts: number; summary?: boolean },
): Promise<void> {
  if (ids.length === 0) return;
  await db.begin(async (tx) => {
    const [open] = await tx<{ id: string }[]>`
      INSERT INTO notify_batches (channel, subscription_id, next_attempt_at, attempts, summary)
      VALUES (${from.channel}, ${from.subscriptionId}, ${at}, ${options.attempts}, ${options.summary ?? false})
      ON CONFLICT (channel, subscription_id) WHERE status = 'open' AND kind = 'alerts' DO UPDATE SET
        next_attempt_at = CASE WHEN ${options.mode} = 'later' THEN GREATEST(notify_batches.next_attempt_at, EXCLUDED.next_attempt_at) ELSE notify_batches.next_attempt_at END,
        attempts = GREATEST(notify_batches.attempts, EXCLUDED.attempts),
        summary = notify_batches.summary OR EXCLUDED.summary
      RETURNING id`;
    await tx`UPDATE deliveries SET batch_id = ${open!.id} WHERE id = ANY(${tx.array(ids)}::bigint[]) AND status = 'pending'`;
  });
}

/** The "still open now" digest for when a subscriber's quiet hours end (one per end time; watches merge). */
export async function addStillOpen(db: Db, channel: BatchChannel, subscriptionId: string, at: Date, watchIds: string[]): Promise<void> {
  await db`
    INSERT INTO notify_batches (channel, subscription_id, kind, next_attempt_at, watch_ids)
    VALUES (${channel}, ${subscriptionId}, 'still-open', ${at}, ${db.array(watchIds)}::uuid[])
    ON CONFLICT (channel, subscription_id, next_attempt_at) WHERE status = 'open' AND kind = 'still-open'
    DO UPDATE SET watch_ids = ARRAY(SELECT DISTINCT unnest(notify_batches.watch_ids || EXCLUDED.watch_ids))`;
}

export async function nextBatchDueAt(db: Db, channels: BatchChannel[]): Promise<Date | undefined> {
  const [row] = await db<{ at: Date | null }[]>`
    SELECT min(GREATEST(next_attempt_at, COALESCE(locked_until, next_attempt_at))) AS at
    FROM notify_batches WHERE status IN ('open', 'pending') AND channel = ANY(${db.array(channels)}::text[])`;
  return row?.at ?? undefined;
}
