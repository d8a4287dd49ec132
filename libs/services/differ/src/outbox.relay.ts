import type { SlotChangedV1 } from '@slotwatch/contracts';
import type { Db } from '@slotwatch/db';
import type { Bus } from '@slotwatch/messaging';
import type { Logger } from 'pino';

const RELAY_LOCK = 0x0b_0c_5e; // one relay at a time keeps events in order per watch

/**
 * Publishes outbox rows to SLOT_EVENTS in id order, woken at once by the differ's NOTIFY (and by a
 * slow safety poll). `Nats-Msg-Id` is the event id, so a relay that dies between publish and mark
 * resends a row JetStream then drops as a duplicate.
 */
export async function startOutboxRelay(db: Db, bus: Bus, log: Logger, onBacklog?: (n: number) => void): Promise<{ stop(): Promise<void>; kick(): void }> {
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const drainOnce = async (): Promise<number> =>
    db.begin(async (tx) => {
      const [lock] = await tx<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(${RELAY_LOCK}) AS ok`;
      if (!lock?.ok) return 0;
      const rows = await tx<{ id: string; event_id: string; subject: string; payload: SlotChangedV1 }[]>`
        SELECT id, event_id, subject, payload FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 500`;
      for (const row of rows) {
        await bus.publish('slots.changed', row.subject, row.payload, row.event_id);
      }
      if (rows.length) {
        await tx`UPDATE outbox SET published_at = now() WHERE id = ANY(${tx.array(rows.map((r) => r.id))}::bigint[])`;
      }
      return rows.length;
    });

  const drain = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          while ((await drainOnce()) === 500) { /* more waiting */ }
          if (onBacklog) {
            const [row] = await db<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`;
            onBacklog(row?.n ?? 0);
          }
        } catch (error) {
          log.warn({ err: error }, 'outbox relay failed; will retry');
          await new Promise((r) => setTimeout(r, 500));
          again = true;
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
  };

  const listener = await db.listen('slotwatch_outbox', () => drain());
  const poll = setInterval(drain, 5_000);
  drain();

  return {
    kick: drain,
    async stop() {
      stopped = true;
      clearInterval(poll);
      await listener.unlisten();
      await running;
    },
  };
}

/** Deletes published outbox rows older than a day. */
export async function pruneOutbox(db: Db): Promise<void> {
  await db`DELETE FROM outbox WHERE published_at < now() - interval '1 day'`;
}
