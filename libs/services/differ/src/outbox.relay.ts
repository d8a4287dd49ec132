import type { MessageKind, MessagePayloads } from '@slotwatch/contracts';
import type { Db } from '@slotwatch/db';
import { PermanentFailure, withTraceparent, type Bus } from '@slotwatch/messaging';
import type { Logger } from 'pino';

const RELAY_LOCK = 0x0b_0c_5e; // one relay drains at a time, across replicas
const BATCH = 500;
const LANES = 16; // watches published side by side; each watch's rows one after another

interface OutboxRow {
  id: string;
  event_id: string;
  kind: MessageKind;
  subject: string;
  payload: MessagePayloads[MessageKind];
  lane: string;
  /** The writing diff's trace context (004_tracing.sql); the publish joins that check's trace. */
  traceparent: string | null;
}

export interface DrainResult {
  /** Another relay held the lock; nothing was read. */
  busy: boolean;
  /** Rows read. */
  read: number;
  /** Rows published and marked. */
  published: number;
  /** Of those, how many JetStream already had (a resend after a crash). */
  duplicates: number;
  /** Rows JetStream refused for good (logged, marked, never retried). */
  dropped: number;
  /** The first publish error; its row and the rest of its watch's rows stay for the next drain. */
  error?: unknown;
}

export interface DrainOptions {
  batch?: number;
  log?: Logger;
  /** Runs between publishing and marking (tests throw here to play a relay crash). */
  afterPublish?: () => void | Promise<void>;
}

/**
 * Publishes one batch of unpublished outbox rows and marks them, in one transaction under an
 * advisory lock. `Nats-Msg-Id` is the event id, so a relay that dies between publish and mark
 * resends rows JetStream then reports as duplicates. Rows of one watch go out in id order, one
 * after another; a failed row stops its watch's lane, so no later row of that watch overtakes it.
 */
export async function drainOutbox(db: Db, bus: Bus, options: DrainOptions = {}): Promise<DrainResult> {
  const batch = options.batch ?? BATCH;
  return db.begin(async (tx) => {
    const [lock] = await tx<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(${RELAY_LOCK}) AS ok`;
    if (!lock?.ok) return { busy: true, read: 0, published: 0, duplicates: 0, dropped: 0 };
    const rows = await tx<OutboxRow[]>`
      SELECT id, event_id, kind, subject, payload, COALESCE(watch_id::text, subject) AS lane, traceparent
      FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT ${batch}`;
    const lanes = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      const lane = lanes.get(row.lane);
      if (lane) lane.push(row);
      else lanes.set(row.lane, [row]);
    }
    const done: string[] = [];
    const result: DrainResult = { busy: false, read: rows.length, published: 0, duplicates: 0, dropped: 0 };
    const queue = [...lanes.values()];
    const worker = async (): Promise<void> => {
      for (let lane = queue.shift(); lane; lane = queue.shift()) {
        for (const row of lane) {
          try {
            const ack = await withTraceparent(row.traceparent, () => bus.publish(row.kind, row.subject, row.payload, row.event_id));
            result.published += 1;
            if (ack.duplicate) result.duplicates += 1;
          } catch (error) {
            if (!(error instanceof PermanentFailure)) {
              result.error ??= error;
              break;
            }
            options.log?.error({ err: error, eventId: row.event_id, subject: row.subject }, 'dropping an outbox row that can never be published');
            result.dropped += 1;
          }
          done.push(row.id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(LANES, queue.length) }, worker));
    await options.afterPublish?.();
    if (done.length) await tx`UPDATE outbox SET published_at = now() WHERE id = ANY(${tx.array(done)}::bigint[])`;
    return result;
  });
}

export interface OutboxRelay {
  /** Drain now (the differ calls it after a diff that wrote events). */
  kick(): void;
  /** Resolves when nothing is left to publish (tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Keeps the outbox drained: woken at once by the differ's NOTIFY at commit, by `kick()`, on every
 * (re)connect of the LISTEN connection (catch-up), and by a slow safety poll. While another
 * replica's relay holds the lock it retries shortly, so rows that other relay read too early for
 * never wait for the poll.
 */
export async function startOutboxRelay(db: Db, bus: Bus, log: Logger, onBacklog?: (n: number) => void): Promise<OutboxRelay> {
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
          for (;;) {
            const r = await drainOnce();
            if (r.busy && !stopped) {
              await sleep(50);
              continue;
            }
            if (r.error) throw r.error;
            if (r.read < BATCH || stopped) break;
          }
          if (onBacklog) {
            const [row] = await db<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`;
            onBacklog(row?.n ?? 0);
          }
        } catch (error) {
          log.warn({ err: error }, 'outbox relay failed; will retry');
          await sleep(500);
          again = true;
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
  };
  const drainOnce = () => drainOutbox(db, bus, { log });

  const listener = await db.listen('slotwatch_outbox', () => drain(), () => drain());
  const poll = setInterval(drain, 5_000);
  poll.unref();
  drain();

  return {
    kick: drain,
    async idle() {
      for (;;) {
        await running;
        const [row] = await db<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`;
        if (!row?.n) return;
        drain();
        await sleep(20);
      }
    },
    async stop() {
      stopped = true;
      clearInterval(poll);
      await listener.unlisten();
      await running;
    },
  };
}
