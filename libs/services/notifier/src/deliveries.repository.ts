import type { Db } from '@slotwatch/db';
import type { SlotChangedV1 } from '@slotwatch/contracts';

/**
 * Records the event once and one delivery per matching, enabled webhook, in one transaction.
 * The unique (event, channel, subscription) key makes a redelivered message add nothing.
 * A private watch's events go only to webhooks owned by the watch's owner.
 */
export async function fanOut(db: Db, event: SlotChangedV1, body: string, owner: string | null): Promise<number> {
  return db.begin(async (tx) => {
    await tx`
      INSERT INTO notifier_events (event_id, watch_id, event_at, body)
      VALUES (${event.eventId}, ${event.watch.id}, ${event.at}, ${body})
      ON CONFLICT DO NOTHING`;
    const rows = await tx`
      INSERT INTO deliveries (event_id, channel, subscription_id)
      SELECT ${event.eventId}, 'webhook', w.id
      FROM webhooks w LEFT JOIN webhook_state s ON s.webhook_id = w.id
      WHERE w.deleted_at IS NULL AND s.disabled_at IS NULL
        AND (${event.visibility} = 'public' OR w.owner_key_id::text = ${owner})
        AND (NOT w.filter ? 'watchIds' OR w.filter->'watchIds' ? ${event.watch.id})
        AND (NOT w.filter ? 'providers' OR w.filter->'providers' ? ${event.watch.provider})
        AND (NOT w.filter ? 'types' OR w.filter->'types' ? ${event.type})
      ON CONFLICT DO NOTHING
      RETURNING 1`;
    if (rows.length) await tx`SELECT pg_notify('slotwatch_deliveries', '')`;
    return rows.length;
  });
}

export async function watchOwner(db: Db, watchId: string): Promise<string | null> {
  const [row] = await db<{ owner: string | null }[]>`SELECT owner FROM watches WHERE id = ${watchId}`;
  return row?.owner ?? null;
}

export interface ClaimedDelivery {
  id: string;
  eventId: string;
  attempts: number;
  webhookId: string;
  url: string;
  secretSealed: string;
  body: string;
  eventAt: Date;
}

/** Leases due deliveries (FOR UPDATE SKIP LOCKED): several notifiers share work without double sends. */
export async function claimDue(db: Db, limit: number, leaseSeconds = 60): Promise<ClaimedDelivery[]> {
  if (limit <= 0) return [];
  const rows = await db<{ id: string; event_id: string; attempts: number; webhook_id: string; url: string; secret_sealed: string; body: string; event_at: Date }[]>`
    WITH c AS (
      SELECT id FROM deliveries
      WHERE status = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
      ORDER BY next_attempt_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), d AS (
      UPDATE deliveries d SET locked_until = now() + make_interval(secs => ${leaseSeconds}), attempts = d.attempts + 1
      FROM c WHERE d.id = c.id
      RETURNING d.id, d.event_id, d.attempts, d.subscription_id
    )
    SELECT d.id, d.event_id, d.attempts, w.id AS webhook_id, w.url, w.secret_sealed, e.body, e.event_at
    FROM d JOIN webhooks w ON w.id = d.subscription_id JOIN notifier_events e ON e.event_id = d.event_id`;
  return rows.map((r) => ({ id: r.id, eventId: r.event_id, attempts: r.attempts, webhookId: r.webhook_id, url: r.url, secretSealed: r.secret_sealed, body: r.body, eventAt: r.event_at }));
}

export interface AttemptRecord {
  deliveryId: string;
  outcome: string;
  status: number | null;
  durationMs: number;
  error: string | null;
  response: string | null;
  /** pending (with nextAttemptAt), delivered or failed. */
  next: { status: 'pending'; at: Date } | { status: 'delivered' } | { status: 'failed' };
}

/** Records one attempt and the delivery's new state in one statement. */
export async function recordAttempt(db: Db, a: AttemptRecord): Promise<void> {
  const status = a.next.status;
  const nextAt = a.next.status === 'pending' ? a.next.at : null;
  await db`
    WITH attempt AS (
      INSERT INTO delivery_attempts (delivery_id, outcome, status, duration_ms, error, response)
      VALUES (${a.deliveryId}, ${a.outcome}, ${a.status}, ${Math.round(a.durationMs)}, ${a.error}, ${a.response})
    )
    UPDATE deliveries SET
      status = ${status},
      next_attempt_at = COALESCE(${nextAt}::timestamptz, next_attempt_at),
      locked_until = NULL,
      last_status = ${a.status},
      last_error = ${a.error},
      delivered_at = CASE WHEN ${status} = 'delivered' THEN now() ELSE delivered_at END
    WHERE id = ${a.deliveryId}`;
}

/** A webhook that answered 410 Gone: disable it and cancel what is still pending for it. */
export async function disableWebhook(db: Db, webhookId: string, reason: string): Promise<void> {
  await db.begin(async (tx) => {
    await tx`
      INSERT INTO webhook_state (webhook_id, disabled_at, disabled_reason) VALUES (${webhookId}, now(), ${reason})
      ON CONFLICT (webhook_id) DO UPDATE SET disabled_at = now(), disabled_reason = ${reason}, updated_at = now()`;
    await tx`UPDATE deliveries SET status = 'cancelled', last_error = ${reason} WHERE channel = 'webhook' AND subscription_id = ${webhookId} AND status = 'pending'`;
  });
}

/** When the next pending delivery is due (to sleep until then). */
export async function nextDueAt(db: Db): Promise<Date | undefined> {
  const [row] = await db<{ at: Date | null }[]>`SELECT min(next_attempt_at) AS at FROM deliveries WHERE status = 'pending'`;
  return row?.at ?? undefined;
}
