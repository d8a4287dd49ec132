import type { Db } from '@slotwatch/db';
import type { Logger } from 'pino';
import { listEvents, type EventView } from './events.repository';
import { listPublicWatches, type PublicWatch } from './public.repository';

/** A public slot event, or the periodic fresh picture of every public watch (health, data age). */
export type HubMessage = { type: 'event'; event: EventView } | { type: 'snapshot'; watches: PublicWatch[] };
export type HubListener = (message: HubMessage) => void;

export interface StreamHub {
  /** Adds a listener for public slot events; starts listening on first use. Returns the unsubscribe. */
  subscribe(listener: HubListener): Promise<() => void>;
  /** The seq of the newest event handed out (the SSE snapshot's position). */
  position(): number;
  close(): Promise<void>;
}

/**
 * One Postgres LISTEN per api process feeds every SSE client: the differ NOTIFYs
 * `slotwatch_outbox` when it commits events, the hub reads `slot_events` after its last seq (public
 * watches only) and hands each event to every listener. A slow poll covers a lost notification or
 * a reconnect of the LISTEN connection.
 */
export function createStreamHub(db: Db, log: Logger, options: { pollMs?: number; snapshotMs?: number } = {}): StreamHub {
  const listeners = new Set<HubListener>();
  let lastSeq = 0;
  let started: Promise<void> | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let snapshotTimer: NodeJS.Timeout | undefined;
  let reading: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const readNew = (): void => {
    if (closed) return;
    if (reading) {
      again = true;
      return;
    }
    reading = (async () => {
      do {
        again = false;
        try {
          for (;;) {
            const events = await listEvents(db, { after: lastSeq, limit: 500 }, undefined);
            for (const event of events) {
              lastSeq = Math.max(lastSeq, event.seq);
              for (const listener of listeners) listener({ type: 'event', event });
            }
            if (events.length < 500) break;
          }
        } catch (error) {
          log.warn({ err: error }, 'stream hub could not read new events; the next poll retries');
        }
      } while (again && !closed);
    })().finally(() => {
      reading = undefined;
    });
  };

  const start = async (): Promise<void> => {
    const [row] = await db<{ seq: string | null }[]>`SELECT max(seq) AS seq FROM slot_events`;
    lastSeq = Number(row?.seq ?? 0);
    const listener = await db.listen('slotwatch_outbox', () => readNew(), () => readNew());
    unlisten = () => listener.unlisten();
    timer = setInterval(readNew, options.pollMs ?? 2000);
    timer.unref();
    // Health and data age change without slot events: one fresh picture for every client at once.
    snapshotTimer = setInterval(() => {
      if (listeners.size === 0 || closed) return;
      listPublicWatches(db)
        .then((watches) => {
          for (const listener of listeners) listener({ type: 'snapshot', watches });
        })
        .catch((error: unknown) => log.warn({ err: error }, 'stream hub could not read the public watches'));
    }, options.snapshotMs ?? 15_000);
    snapshotTimer.unref();
  };

  return {
    async subscribe(listener) {
      started ??= start();
      await started;
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    position: () => lastSeq,
    async close() {
      closed = true;
      clearInterval(timer);
      clearInterval(snapshotTimer);
      listeners.clear();
      if (started) await started.catch(() => undefined);
      await unlisten?.().catch(() => undefined);
      await reading;
    },
  };
}
