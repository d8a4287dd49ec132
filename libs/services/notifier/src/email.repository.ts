import type { Db } from '@slotwatch/db';
import type { SlotFilter } from './slot-state.repository';

export interface Subscriber {
  id: string;
  emailSealed: string;
  language: 'en' | 'fr';
  timeZone: string;
  filter: SlotFilter;
  quiet: { start: string; end: string } | null;
  minCount: number;
  cooldownS: number;
  unsubscribeTokenSealed: string;
  /** The API key that subscribed this address (it may follow that key's private watches). */
  ownerKeyId: string | null;
  /** Confirmed, not unsubscribed, not bounced. */
  active: boolean;
}

export async function loadSubscriber(db: Db, id: string): Promise<Subscriber | undefined> {
  const [r] = await db<{ id: string; email_sealed: string; language: 'en' | 'fr'; time_zone: string; filter: SlotFilter; quiet_start: string | null; quiet_end: string | null; min_count: number; cooldown_s: number; unsubscribe_token_sealed: string; owner_key_id: string | null; active: boolean }[]>`
    SELECT s.id, s.email_sealed, s.language, s.time_zone, s.filter, s.quiet_start, s.quiet_end, s.min_count, s.cooldown_s, s.unsubscribe_token_sealed, s.owner_key_id,
      (s.confirmed_at IS NOT NULL AND s.unsubscribed_at IS NULL AND st.bounced_at IS NULL) AS active
    FROM email_subscribers s LEFT JOIN email_subscriber_state st ON st.subscriber_id = s.id
    WHERE s.id = ${id}`;
  if (!r) return undefined;
  return {
    id: r.id, emailSealed: r.email_sealed, language: r.language, timeZone: r.time_zone, filter: r.filter,
    quiet: r.quiet_start && r.quiet_end ? { start: r.quiet_start, end: r.quiet_end } : null,
    minCount: r.min_count, cooldownS: r.cooldown_s, unsubscribeTokenSealed: r.unsubscribe_token_sealed, ownerKeyId: r.owner_key_id, active: r.active,
  };
}

/** When each of these watches was last mailed to the subscriber. */
export async function lastMailed(db: Db, subscriberId: string, watchIds: string[]): Promise<Map<string, Date>> {
  const rows = await db<{ watch_id: string; last_sent_at: Date }[]>`
    SELECT watch_id, last_sent_at FROM email_watch_cooldowns WHERE subscriber_id = ${subscriberId} AND watch_id = ANY(${db.array(watchIds)}::uuid[])`;
  return new Map(rows.map((r) => [r.watch_id, r.last_sent_at]));
}

export async function markMailed(db: Db, subscriberId: string, watchIds: string[]): Promise<void> {
  if (watchIds.length === 0) return;
  await db`
    INSERT INTO email_watch_cooldowns (subscriber_id, watch_id, last_sent_at)
    SELECT ${subscriberId}, unnest(${db.array(watchIds)}::uuid[]), now()
    ON CONFLICT (subscriber_id, watch_id) DO UPDATE SET last_sent_at = now()`;
}

/** A hard bounce: the address gets nothing more (the fan-out skips it). */
export async function markBounced(db: Db, subscriberId: string, reason: string): Promise<void> {
  await db`
    INSERT INTO email_subscriber_state (subscriber_id, bounced_at, bounce_reason) VALUES (${subscriberId}, now(), ${reason})
    ON CONFLICT (subscriber_id) DO UPDATE SET bounced_at = now(), bounce_reason = ${reason}, updated_at = now()`;
}

export interface PendingConfirmation {
  id: string;
  attempts: number;
  tokenSealed: string;
  emailSealed: string;
  language: 'en' | 'fr';
}

/**
 * Leases confirmation mails the api asked for (a row in email_confirmations, unused, unexpired) that
 * are not sent yet and due. The api's rows are only locked here, never written.
 */
export async function claimConfirmations(db: Db, limit: number, leaseSeconds = 120): Promise<PendingConfirmation[]> {
  if (limit <= 0) return [];
  return db.begin(async (tx) => {
    const due = await tx<{ id: string }[]>`
      SELECT c.id FROM email_confirmations c LEFT JOIN email_confirmation_sends s ON s.confirmation_id = c.id
      WHERE c.used_at IS NULL AND c.expires_at > now() AND c.token_sealed IS NOT NULL
        AND (s.confirmation_id IS NULL OR (s.status = 'pending' AND s.next_attempt_at <= now() AND (s.locked_until IS NULL OR s.locked_until < now())))
      ORDER BY c.created_at
      LIMIT ${limit}
      FOR UPDATE OF c SKIP LOCKED`;
    if (due.length === 0) return [];
    const rows = await tx<{ id: string; attempts: number; token_sealed: string; email_sealed: string; language: 'en' | 'fr' }[]>`
      WITH lease AS (
        INSERT INTO email_confirmation_sends (confirmation_id, attempts, locked_until)
        SELECT unnest(${tx.array(due.map((d) => d.id))}::uuid[]), 1, now() + make_interval(secs => ${leaseSeconds})
        ON CONFLICT (confirmation_id) DO UPDATE SET attempts = email_confirmation_sends.attempts + 1, locked_until = EXCLUDED.locked_until
        RETURNING confirmation_id, attempts
      )
      SELECT c.id, l.attempts, c.token_sealed, s.email_sealed, COALESCE(c.settings->>'language', s.language) AS language
      FROM lease l JOIN email_confirmations c ON c.id = l.confirmation_id JOIN email_subscribers s ON s.id = c.subscriber_id`;
    return rows.map((r) => ({ id: r.id, attempts: r.attempts, tokenSealed: r.token_sealed, emailSealed: r.email_sealed, language: r.language }));
  });
}

export async function settleConfirmation(db: Db, id: string, next: { status: 'sent' } | { status: 'failed'; error: string } | { status: 'pending'; at: Date; error: string }): Promise<void> {
  const at = next.status === 'pending' ? next.at : null;
  const error = next.status === 'sent' ? null : next.error;
  await db`
    UPDATE email_confirmation_sends SET status = ${next.status}, locked_until = NULL, last_error = ${error},
      next_attempt_at = COALESCE(${at}::timestamptz, next_attempt_at), sent_at = CASE WHEN ${next.status} = 'sent' THEN now() ELSE sent_at END
    WHERE confirmation_id = ${id}`;
}

export async function nextConfirmationDueAt(db: Db): Promise<Date | undefined> {
  const [row] = await db<{ at: Date | null }[]>`
    SELECT min(COALESCE(GREATEST(s.next_attempt_at, COALESCE(s.locked_until, s.next_attempt_at)), c.created_at)) AS at
    FROM email_confirmations c LEFT JOIN email_confirmation_sends s ON s.confirmation_id = c.id
    WHERE c.used_at IS NULL AND c.expires_at > now() AND c.token_sealed IS NOT NULL AND (s.confirmation_id IS NULL OR s.status = 'pending')`;
  return row?.at ?? undefined;
}
