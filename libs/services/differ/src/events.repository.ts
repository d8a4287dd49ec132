import type { MessageKind, SlotEventKind, WatchEventKind } from '@slotwatch/contracts';
import type { Tx } from '@slotwatch/db';

/**
 * Taken right before event seqs are drawn and held to commit, so seqs are handed out in commit
 * order: a reader paging `seq > cursor` never passes an event that becomes visible later. It
 * serialises only the last step of a diff that produced events, across every replica.
 */
const EVENT_LOG_LOCK = 0x5e_7e_a7;

export interface SlotEventRow {
  id: string;
  kind: SlotEventKind;
  slotKey: string;
  openSeconds: number | null;
  /** The message without its seq; the seq is drawn and set here. */
  payload: Record<string, unknown>;
}

export interface WatchEventRow {
  id: string;
  kind: WatchEventKind;
  watchId: string;
  subject: string;
  payload: Record<string, unknown>;
}

async function lockEventLog(tx: Tx): Promise<void> {
  await tx`SELECT pg_advisory_xact_lock(${EVENT_LOG_LOCK})`;
}

/**
 * Writes one watch's slot events and their outbox rows in one statement, seqs and outbox ids in the
 * given order, and wakes the relay at commit. Call it last in the transaction: it holds the event-log lock.
 */
export async function writeSlotEvents(tx: Tx, watchId: string, checkId: string, at: Date, subject: string, events: SlotEventRow[]): Promise<void> {
  if (events.length === 0) return;
  await lockEventLog(tx);
  await tx`
    WITH e AS (
      SELECT seq, outbox_id, id, kind, slot_key, open_seconds, jsonb_set(payload, '{seq}', to_jsonb(seq)) AS payload
      FROM (
        -- Seqs and outbox ids drawn in the given order: the outbox needs no sort to follow the seqs.
        SELECT nextval('slot_events_seq_seq') AS seq, nextval('outbox_id_seq') AS outbox_id, u.*
        FROM (
          SELECT * FROM unnest(${tx.array(events.map((e) => e.id))}::uuid[], ${tx.array(events.map((e) => e.kind))}::text[],
                               ${tx.array(events.map((e) => e.slotKey))}::text[], ${tx.array(events.map((e) => e.openSeconds))}::int[],
                               ${tx.array(events.map((e) => JSON.stringify(e.payload)))}::jsonb[])
            WITH ORDINALITY AS u(id, kind, slot_key, open_seconds, payload, n)
          ORDER BY n
        ) u
      ) x
    ),
    ev AS (
      INSERT INTO slot_events (seq, id, watch_id, kind, slot_key, payload, check_id, at, open_seconds)
      SELECT seq, id, ${watchId}, kind, slot_key, payload, ${checkId}, ${at}, open_seconds FROM e
    ),
    ob AS (
      INSERT INTO outbox (id, event_id, watch_id, kind, subject, payload)
      SELECT outbox_id, id, ${watchId}, ${'slots.changed' satisfies MessageKind}, ${subject}, payload FROM e
    )
    SELECT pg_notify('slotwatch_outbox', '')`;
}

/** Writes watch events (stale / recovered) and their outbox rows; same rules as writeSlotEvents. */
export async function writeWatchEvents(tx: Tx, at: Date, events: WatchEventRow[]): Promise<void> {
  if (events.length === 0) return;
  await lockEventLog(tx);
  await tx`
    WITH e AS (
      SELECT seq, outbox_id, id, watch_id, kind, subject, jsonb_set(payload, '{seq}', to_jsonb(seq)) AS payload
      FROM (
        SELECT nextval('watch_events_seq_seq') AS seq, nextval('outbox_id_seq') AS outbox_id, u.*
        FROM (
          SELECT * FROM unnest(${tx.array(events.map((e) => e.id))}::uuid[], ${tx.array(events.map((e) => e.watchId))}::uuid[],
                               ${tx.array(events.map((e) => e.kind))}::text[], ${tx.array(events.map((e) => e.subject))}::text[],
                               ${tx.array(events.map((e) => JSON.stringify(e.payload)))}::jsonb[])
            WITH ORDINALITY AS u(id, watch_id, kind, subject, payload, n)
          ORDER BY n
        ) u
      ) x
    ),
    ev AS (
      INSERT INTO watch_events (seq, id, watch_id, kind, payload, at)
      SELECT seq, id, watch_id, kind, payload, ${at} FROM e
    ),
    ob AS (
      INSERT INTO outbox (id, event_id, watch_id, kind, subject, payload)
      SELECT outbox_id, id, watch_id, ${'watch.event' satisfies MessageKind}, subject, payload FROM e
    )
    SELECT pg_notify('slotwatch_outbox', '')`;
}
