import type { SlotChangedV1, WatchEventV1 } from '@slotwatch/contracts';
import type { Db, Tx } from '@slotwatch/db';
import { currentTraceparent } from '@slotwatch/messaging';

export interface FanOutChannels {
  /** Email is on: the digest window in seconds. */
  email?: { windowS: number };
  /** X is on: the coalescing window in seconds. */
  twitter?: { windowS: number };
}

export interface FanOutResult {
  webhooks: number;
  email: number;
  twitter: number;
}

/**
 * Records the event once and one delivery per matching subscription, all in one transaction: a
 * redelivered message finds the event recorded and adds nothing.
 * - webhooks: every enabled webhook whose filter matches; a private watch's events only to webhooks
 *   of the watch's owner.
 * - email and X (public watches' slot.opened only): each delivery joins its subscription's open
 *   batch, which is created with the window's end as its due time if there is none, so a burst of
 *   events becomes one mail or one post.
 */
export async function fanOut(db: Db, event: SlotChangedV1, body: string, owner: string | null, channels: FanOutChannels = {}): Promise<FanOutResult> {
  return db.begin(async (tx) => {
    const result: FanOutResult = { webhooks: 0, email: 0, twitter: 0 };
    if (!(await recordEvent(tx, event, body))) return result;
    result.webhooks = await webhookDeliveries(tx, event, owner, { optIn: false });

    // Public channels never carry a private watch's events; closings are not announced there.
    // A private watch mails only addresses its owner subscribed to it by name.
    if (event.type === 'slot.opened') {
      if (channels.email) result.email = await batchEmail(tx, event, channels.email.windowS, event.visibility === 'private' ? owner ?? '' : undefined);
      if (channels.twitter && event.visibility === 'public') result.twitter = await batchTwitter(tx, event, channels.twitter.windowS);
    }
    if (result.webhooks) await tx`SELECT pg_notify('slotwatch_deliveries', '')`;
    if (result.email || result.twitter) await tx`SELECT pg_notify('slotwatch_batches', '')`;
    return result;
  });
}

/** Confirmed, subscribed, not bounced subscribers whose filters take this slot (its local day and time). */
async function batchEmail(tx: Tx, event: SlotChangedV1, windowS: number, privateOwner?: string): Promise<number> {
  const day = event.slot.startsAt.slice(0, 10);
  const time = event.slot.startsAt.slice(11, 16);
  const rows = await tx`
    WITH subs AS (
      SELECT s.id FROM email_subscribers s LEFT JOIN email_subscriber_state st ON st.subscriber_id = s.id
      WHERE s.confirmed_at IS NOT NULL AND s.unsubscribed_at IS NULL AND st.bounced_at IS NULL
        AND (NOT s.filter ? 'watchIds' OR s.filter->'watchIds' ? ${event.watch.id})
        AND (${privateOwner === undefined} OR (s.owner_key_id::text = ${privateOwner ?? ''} AND s.filter->'watchIds' ? ${event.watch.id}))
        AND (NOT s.filter ? 'from' OR s.filter->>'from' <= ${day})
        AND (NOT s.filter ? 'to' OR s.filter->>'to' >= ${day})
        AND (NOT s.filter ? 'earliestTime' OR s.filter->>'earliestTime' <= ${time})
      ORDER BY s.id
    ), b AS (
      INSERT INTO notify_batches (channel, subscription_id, next_attempt_at)
      SELECT 'email', id, now() + make_interval(secs => ${windowS}) FROM subs
      ON CONFLICT (channel, subscription_id) WHERE status = 'open' AND kind = 'alerts' DO UPDATE SET channel = EXCLUDED.channel
      RETURNING id, subscription_id
    )
    INSERT INTO deliveries (event_id, channel, subscription_id, batch_id)
    SELECT ${event.eventId}, 'email', subscription_id, id FROM b
    ON CONFLICT DO NOTHING RETURNING 1`;
  return rows.length;
}

/** The X accounts of this watch (one per watch or group of watches). */
async function batchTwitter(tx: Tx, event: SlotChangedV1, windowS: number): Promise<number> {
  const rows = await tx`
    WITH accounts AS (
      SELECT id FROM twitter_accounts WHERE disabled_at IS NULL AND ${event.watch.id}::uuid = ANY(watch_ids) ORDER BY id
    ), b AS (
      INSERT INTO notify_batches (channel, subscription_id, next_attempt_at)
      SELECT 'twitter', id, now() + make_interval(secs => ${windowS}) FROM accounts
      ON CONFLICT (channel, subscription_id) WHERE status = 'open' AND kind = 'alerts' DO UPDATE SET channel = EXCLUDED.channel
      RETURNING id, subscription_id
    )
    INSERT INTO deliveries (event_id, channel, subscription_id, batch_id)
    SELECT ${event.eventId}, 'twitter', subscription_id, id FROM b
    ON CONFLICT DO NOTHING RETURNING 1`;
  return rows.length;
}

export async function watchOwner(db: Db, watchId: string): Promise<string | null> {
  const [row] = await db<{ owner: string | null }[]>`SELECT owner FROM watches WHERE id = ${watchId}`;
  return row?.owner ?? null;
}

/**
 * A watch event (watch.stale, watch.recovered, watch.blocked) for the operators: one delivery per
 * enabled webhook whose `types` filter names it (opt-in: integrators who asked for slots get only
 * slots), within its watch and provider filters; a private watch's only to its owner's webhooks.
 * Redelivery adds nothing.
 */
export async function fanOutWatchEvent(db: Db, event: WatchEventV1, owner: string | null): Promise<number> {
  const body = JSON.stringify({ type: event.type, timestamp: event.at, data: { ...event, v: undefined } });
  return db.begin(async (tx) => {
    if (!(await recordEvent(tx, event, body))) return 0;
    const created = await webhookDeliveries(tx, event, owner, { optIn: true });
    if (created) await tx`SELECT pg_notify('slotwatch_deliveries', '')`;
    return created;
  });
}

type EventFacts = Pick<SlotChangedV1 | WatchEventV1, 'eventId' | 'at' | 'type' | 'visibility' | 'watch'>;

/**
 * Stores the event's body once, under the trace context of this transaction (004_tracing.sql: the
 * deliveries written next take it). False when it was stored before: a redelivery, nothing to add.
 */
async function recordEvent(tx: Tx, event: EventFacts, body: string): Promise<boolean> {
  await tx`SELECT set_config('slotwatch.traceparent', ${currentTraceparent() ?? ''}, true)`;
  const fresh = await tx`
    INSERT INTO notifier_events (event_id, watch_id, event_at, body)
    VALUES (${event.eventId}, ${event.watch.id}, ${event.at}, ${body})
    ON CONFLICT DO NOTHING RETURNING 1`;
  return fresh.length > 0;
}

/**
 * One delivery per enabled webhook whose filters take the event; a private watch's only to its
 * owner's webhooks. `optIn`: the webhook's `types` must name the event (no `types` takes none).
 */
async function webhookDeliveries(tx: Tx, event: EventFacts, owner: string | null, { optIn }: { optIn: boolean }): Promise<number> {
  const rows = await tx`
    INSERT INTO deliveries (event_id, channel, subscription_id)
    SELECT ${event.eventId}, 'webhook', w.id
    FROM webhooks w LEFT JOIN webhook_state s ON s.webhook_id = w.id
    WHERE w.deleted_at IS NULL AND s.disabled_at IS NULL
      AND (${event.visibility} = 'public' OR w.owner_key_id::text = ${owner})
      AND (NOT w.filter ? 'watchIds' OR w.filter->'watchIds' ? ${event.watch.id})
      AND (NOT w.filter ? 'providers' OR w.filter->'providers' ? ${event.watch.provider})
      AND (${!optIn} AND NOT w.filter ? 'types' OR w.filter->'types' ? ${event.type})
    ON CONFLICT DO NOTHING
    RETURNING 1`;
  return rows.length;
}
