import { randomUUID } from 'node:crypto';
import type { Db, Tx } from '@slotwatch/db';

export interface ClaimedDelivery {
  id: string;
  eventId: string;
  attempts: number;
  webhookId: string;
  url: string;
  secretSealed: string;
  /** The secret before a rotation, while it has not expired: it signs too. */
  previousSecretSealed: string | null;
  body: string;
  eventAt: Date;
  /** The webhook was deleted after the delivery was made. */
  deleted: boolean;
  /** The fan-out's trace context; the attempt's span is its child. */
  traceparent: string | null;
}

/**
 * Leases due webhook deliveries (FOR UPDATE SKIP LOCKED): several notifiers share work without
 * double sends. At most `perEndpoint` per webhook in one claim, none for `excluded` webhooks (their
 * circuit is open or their slots are full), so one slow or dead receiver never holds every slot.
 */
export async function claimDue(db: Db, limit: number, options: { perEndpoint: number; excluded: string[]; leaseSeconds?: number }): Promise<ClaimedDelivery[]> {
  if (limit <= 0) return [];
  const rows = await asyncCommit(db, (tx) => tx<{ id: string; event_id: string; attempts: number; webhook_id: string; url: string; secret_sealed: string; previous_secret_sealed: string | null; body: string; event_at: Date; deleted: boolean; traceparent: string | null }[]>`
    WITH cand AS (
      SELECT id, subscription_id, next_attempt_at FROM deliveries
      WHERE channel = 'webhook' AND status = 'pending' AND next_attempt_at <= now()
        AND (locked_until IS NULL OR locked_until < now())
        AND subscription_id <> ALL(${tx.array(options.excluded)}::uuid[])
      ORDER BY next_attempt_at
      LIMIT ${limit * 4}
    ), pick AS (
      SELECT id FROM (SELECT id, next_attempt_at, row_number() OVER (PARTITION BY subscription_id ORDER BY next_attempt_at, id) AS rn FROM cand) r
      WHERE rn <= ${options.perEndpoint}
      ORDER BY next_attempt_at
      LIMIT ${limit}
    ), c AS (
      -- Only the picked rows are locked; the lease is checked again on the locked version, so a row
      -- another replica leased meanwhile is skipped (that replica sends it, not this one).
      SELECT x.id FROM deliveries x JOIN pick ON pick.id = x.id
      WHERE x.status = 'pending' AND (x.locked_until IS NULL OR x.locked_until < now())
      FOR UPDATE OF x SKIP LOCKED
    ), d AS (
      UPDATE deliveries d SET locked_until = now() + make_interval(secs => ${options.leaseSeconds ?? 60}), attempts = d.attempts + 1
      FROM c WHERE d.id = c.id
      RETURNING d.id, d.event_id, d.attempts, d.subscription_id, d.traceparent
    )
    SELECT d.id, d.event_id, d.attempts, w.id AS webhook_id, w.url, w.secret_sealed,
           CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret_sealed END AS previous_secret_sealed,
           e.body, e.event_at, w.deleted_at IS NOT NULL AS deleted, d.traceparent
    FROM d JOIN webhooks w ON w.id = d.subscription_id JOIN notifier_events e ON e.event_id = d.event_id`);
  return rows.map((r) => ({
    id: r.id, eventId: r.event_id, attempts: r.attempts, webhookId: r.webhook_id, url: r.url, secretSealed: r.secret_sealed,
    previousSecretSealed: r.previous_secret_sealed, body: r.body, eventAt: r.event_at, deleted: r.deleted, traceparent: r.traceparent,
  }));
}

export interface AttemptRecord {
  deliveryId: string;
  webhookId: string;
  outcome: string;
  status: number | null;
  durationMs: number;
  error: string | null;
  response: string | null;
  /** pending (with its time), delivered or failed. */
  next: { status: 'pending'; at: Date } | { status: 'delivered' } | { status: 'failed' };
  /** Whether the receiver took it (false for a failure that says something about the endpoint). */
  ok: boolean;
}

/**
 * Records attempts and the deliveries' new state in one statement (group commit), and keeps each
 * endpoint's health: a success clears `failing_since`, a failure sets it if unset. Answers the
 * failing endpoints with the start of their failure run.
 */
export async function recordAttempts(db: Db, records: AttemptRecord[]): Promise<Map<string, Date>> {
  const healthy = [...new Set(records.filter((r) => r.ok).map((r) => r.webhookId))];
  const failing = [...new Set(records.filter((r) => !r.ok).map((r) => r.webhookId))].filter((id) => !healthy.includes(id));
  const col = <K>(f: (r: AttemptRecord) => K) => db.array(records.map(f) as never[]);
  const rows = await asyncCommit(db, (tx) => tx<{ webhook_id: string; failing_since: Date }[]>`
    WITH r AS (
      SELECT * FROM unnest(
        ${col((r) => r.deliveryId)}::bigint[], ${col((r) => r.outcome)}::text[], ${col((r) => (r.status === null ? null : String(r.status)))}::int[],
        ${col((r) => String(Math.round(r.durationMs)))}::int[], ${col((r) => r.error)}::text[], ${col((r) => r.response)}::text[],
        ${col((r) => r.next.status)}::text[], ${col((r) => (r.next.status === 'pending' ? r.next.at.toISOString() : null))}::timestamptz[]
      ) AS r(delivery_id, outcome, status, duration_ms, error, response, next_status, next_at)
    ), attempt AS (
      INSERT INTO delivery_attempts (delivery_id, outcome, status, duration_ms, error, response)
      SELECT delivery_id, outcome, status, duration_ms, error, response FROM r
    ), upd AS (
      UPDATE deliveries d SET
        status = r.next_status,
        next_attempt_at = COALESCE(r.next_at, d.next_attempt_at),
        locked_until = NULL,
        last_status = r.status,
        last_error = r.error,
        delivered_at = CASE WHEN r.next_status = 'delivered' THEN now() ELSE d.delivered_at END
      FROM r WHERE d.id = r.delivery_id
    ), healed AS (
      UPDATE webhook_state SET failing_since = NULL, updated_at = now()
      WHERE webhook_id = ANY(${db.array(healthy)}::uuid[]) AND failing_since IS NOT NULL
    )
    INSERT INTO webhook_state (webhook_id, failing_since)
    SELECT unnest(${db.array(failing)}::uuid[]), now()
    ON CONFLICT (webhook_id) DO UPDATE SET failing_since = COALESCE(webhook_state.failing_since, now()), updated_at = now()
    RETURNING webhook_id, failing_since`);
  return new Map(rows.map((r) => [r.webhook_id, r.failing_since]));
}

/**
 * Leases and attempt records commit without waiting for the WAL flush (synchronous_commit off for
 * that transaction only). A crash can lose at most the last fraction of a second of them, and that
 * only makes a delivery claimable again after its lease: a resend with the same webhook-id, never a
 * lost delivery. The fan-out, which creates deliveries, stays fully durable.
 */
function asyncCommit<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.begin(async (tx) => {
    await tx`SET LOCAL synchronous_commit = off`;
    return fn(tx);
  }) as Promise<T>;
}

/** Gives leased deliveries back without counting an attempt (nothing was sent: circuit open). */
export async function deferDeliveries(db: Db, ids: string[], at: Date): Promise<void> {
  await db`
    UPDATE deliveries SET locked_until = NULL, next_attempt_at = ${at}, attempts = GREATEST(attempts - 1, 0)
    WHERE id = ANY(${db.array(ids)}::bigint[])`;
}

export async function cancelDelivery(db: Db, id: string, reason: string): Promise<void> {
  await db`UPDATE deliveries SET status = 'cancelled', locked_until = NULL, last_error = ${reason} WHERE id = ${id}`;
}

/**
 * Disables a webhook (410 Gone, or failing for days), cancels what is pending for it, and tells its
 * owner: a `webhook.disabled` event goes to the owner's other enabled webhooks (those without a
 * `types` filter, or with one that names it), like Svix's EndpointDisabledEvent. Answers false when
 * it was already disabled.
 */
export async function disableWebhook(db: Db, webhookId: string, reason: string): Promise<boolean> {
  return db.begin(async (tx) => {
    const [changed] = await tx<{ disabled_at: Date }[]>`
      INSERT INTO webhook_state (webhook_id, disabled_at, disabled_reason) VALUES (${webhookId}, now(), ${reason})
      ON CONFLICT (webhook_id) DO UPDATE SET disabled_at = now(), disabled_reason = ${reason}, updated_at = now()
      WHERE webhook_state.disabled_at IS NULL
      RETURNING disabled_at`;
    if (!changed) return false;
    await tx`UPDATE deliveries SET status = 'cancelled', last_error = ${reason} WHERE channel = 'webhook' AND subscription_id = ${webhookId} AND status = 'pending'`;
    const [hook] = await tx<{ url: string; owner_key_id: string | null }[]>`SELECT url, owner_key_id FROM webhooks WHERE id = ${webhookId}`;
    if (!hook?.owner_key_id) return true;
    const eventId = randomUUID();
    const body = JSON.stringify({ type: 'webhook.disabled', timestamp: changed.disabled_at.toISOString(), data: { webhookId, url: hook.url, reason, disabledAt: changed.disabled_at.toISOString() } });
    await tx`INSERT INTO notifier_events (event_id, watch_id, event_at, body) VALUES (${eventId}, NULL, now(), ${body})`;
    const told = await tx`
      INSERT INTO deliveries (event_id, channel, subscription_id)
      SELECT ${eventId}, 'webhook', w.id
      FROM webhooks w LEFT JOIN webhook_state s ON s.webhook_id = w.id
      WHERE w.owner_key_id = ${hook.owner_key_id} AND w.id <> ${webhookId} AND w.deleted_at IS NULL AND s.disabled_at IS NULL
        AND (NOT w.filter ? 'types' OR w.filter->'types' ? 'webhook.disabled')
      RETURNING 1`;
    if (told.length) await tx`SELECT pg_notify('slotwatch_deliveries', '')`;
    return true;
  });
}

/** When the next webhook delivery falls due (a leased one counts from the end of its lease). */
export async function nextDueAt(db: Db): Promise<Date | undefined> {
  const [row] = await db<{ at: Date | null }[]>`
    SELECT min(GREATEST(next_attempt_at, COALESCE(locked_until, next_attempt_at))) AS at
    FROM deliveries WHERE channel = 'webhook' AND status = 'pending'`;
  return row?.at ?? undefined;
}
