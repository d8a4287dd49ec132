import type { Db } from '@slotwatch/db';

/**
 * The webhook delivery log (written by the notifier) and replay. Replay is the api's one
 * deliberate write to `deliveries`: it puts matching rows back to pending, due now, with a fresh
 * retry schedule, and wakes the dispatcher with NOTIFY slotwatch_deliveries. Rows being sent at
 * this moment (leased) are left alone.
 */

export interface DeliveryView {
  id: string;
  eventId: string;
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
  eventAt: string | null;
  attemptLog: { at: string; outcome: string; status: number | null; durationMs: number; error: string | null }[];
}

/** Attempts shown per delivery (the newest). */
const ATTEMPTS_SHOWN = 20;
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export async function listDeliveries(
  db: Db, webhookId: string, page: { after?: string; limit: number; status?: DeliveryView['status'] },
): Promise<DeliveryView[]> {
  const rows = await db<{
    id: string; event_id: string; status: DeliveryView['status']; attempts: number; next_attempt_at: Date; last_status: number | null;
    last_error: string | null; delivered_at: Date | null; created_at: Date; event_at: Date | null;
    attempt_log: { at: string; outcome: string; status: number | null; durationMs: number; error: string | null }[];
  }[]>`
    SELECT d.id, d.event_id, d.status, d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.delivered_at, d.created_at, e.event_at,
      COALESCE((
        SELECT json_agg(json_build_object('at', a.at, 'outcome', a.outcome, 'status', a.status, 'durationMs', a.duration_ms, 'error', a.error) ORDER BY a.id)
        FROM (SELECT * FROM delivery_attempts x WHERE x.delivery_id = d.id ORDER BY x.id DESC LIMIT ${ATTEMPTS_SHOWN}) a
      ), '[]'::json) AS attempt_log
    FROM deliveries d LEFT JOIN notifier_events e ON e.event_id = d.event_id
    WHERE d.channel = 'webhook' AND d.subscription_id = ${webhookId}
      AND ${page.after ? db`d.id < ${page.after}::bigint` : db`true`}
      AND ${page.status ? db`d.status = ${page.status}` : db`true`}
    ORDER BY d.id DESC LIMIT ${page.limit}`;
  return rows.map((r) => ({
    id: String(r.id), eventId: r.event_id, status: r.status, attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null,
    lastStatus: r.last_status, lastError: r.last_error, deliveredAt: iso(r.delivered_at), createdAt: iso(r.created_at)!, eventAt: iso(r.event_at),
    attemptLog: r.attempt_log.map((a) => ({ ...a, at: new Date(a.at).toISOString() })),
  }));
}

/** The webhook a delivery belongs to (for the ownership check), or undefined. */
export async function webhookOfDelivery(db: Db, deliveryId: string): Promise<string | undefined> {
  const [row] = await db<{ subscription_id: string }[]>`SELECT subscription_id FROM deliveries WHERE id = ${deliveryId}::bigint AND channel = 'webhook'`;
  return row?.subscription_id;
}

/** Resets the matching deliveries; answers how many were reset and how many are in flight. */
export async function replayDeliveries(
  db: Db, match: { deliveryId: string } | { webhookId: string; since: Date },
): Promise<{ replayed: number; inFlight: number }> {
  return db.begin(async (tx) => {
    // A function: each statement gets its own fragment.
    const where = () =>
      'deliveryId' in match
        ? tx`d.channel = 'webhook' AND d.id = ${match.deliveryId}::bigint`
        : tx`d.channel = 'webhook' AND d.subscription_id = ${match.webhookId}
             AND d.event_id IN (SELECT event_id FROM notifier_events WHERE event_at >= ${match.since})`;
    const rows = await tx<{ leased: boolean }[]>`
      SELECT (d.status = 'pending' AND d.locked_until > now()) AS leased FROM deliveries d WHERE ${where()} FOR UPDATE`;
    const updated = await tx`
      UPDATE deliveries d SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL
      WHERE ${where()} AND NOT (d.status = 'pending' AND COALESCE(d.locked_until > now(), false))
      RETURNING 1`;
    if (updated.length) await tx`SELECT pg_notify('slotwatch_deliveries', '')`;
    return { replayed: updated.length, inFlight: rows.filter((r) => r.leased).length };
  });
}
