import type { Db } from '@slotwatch/db';
import type { Logger } from 'pino';

export interface WorkLoopOptions<T> {
  db: Db;
  log: Logger;
  /** For log lines. */
  name: string;
  /** NOTIFY channels that announce new work; the loop wakes at once on each. */
  channels: string[];
  /** Items handled at once. */
  concurrency: number;
  /** Lease at most `n` due items (FOR UPDATE SKIP LOCKED: replicas never take the same one). */
  claim(n: number): Promise<T[]>;
  handle(item: T, signal: AbortSignal): Promise<void>;
  /** When the next item falls due, to sleep until then. */
  nextDueAt(): Promise<Date | undefined>;
  /** Claim only once this many slots are free while others are busy: fewer, larger claims. Default 1. */
  minClaim?: number;
  /** How long stop() lets in-flight items finish before aborting them. Default 5 s. */
  stopGraceMs?: number;
}

export interface WorkLoop {
  kick(): void;
  inFlight(): number;
  stop(): Promise<void>;
}

/** Longest sleep without news: a missed NOTIFY (reconnect) costs at most this. */
const MAX_SLEEP_MS = 1000;
/** Sleep when something is due but could not be claimed (leased elsewhere, endpoint saturated). */
const BLOCKED_SLEEP_MS = 250;

/**
 * The dispatchers' engine: claim due items with bounded concurrency, handle them, and wake at once
 * on NOTIFY or a kick (no polling delay for new work); otherwise sleep until the next item is due.
 */
export async function startWorkLoop<T>(o: WorkLoopOptions<T>): Promise<WorkLoop> {
  const inFlight = new Set<Promise<void>>();
  const abort = new AbortController();
  const minClaim = Math.max(1, Math.min(o.minClaim ?? 1, o.concurrency));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pumping: Promise<void> | undefined;
  let again = false;

  const pump = (): void => {
    if (stopped) return;
    if (pumping) {
      again = true;
      return;
    }
    clearTimeout(timer);
    pumping = (async () => {
      do {
        again = false;
        try {
          for (;;) {
            const free = o.concurrency - inFlight.size;
            if (free <= 0 || (free < minClaim && inFlight.size > 0)) break;
            const batch = await o.claim(free);
            for (const item of batch) {
              const job: Promise<void> = o
                .handle(item, abort.signal)
                .catch((error: unknown) => o.log.error({ err: error, loop: o.name }, 'work item failed'))
                .finally(() => {
                  inFlight.delete(job);
                  pump();
                });
              inFlight.add(job);
            }
            if (batch.length < free) break;
          }
        } catch (error) {
          o.log.warn({ err: error, loop: o.name }, 'could not claim work; retrying');
          again = true;
          await new Promise((r) => setTimeout(r, 500));
        }
      } while (again && !stopped);
    })().finally(() => {
      pumping = undefined;
      // Completions that arrived after the last check asked for another round: give it now.
      if (again && !stopped) pump();
      else if (!stopped) void schedule();
    });
  };

  const schedule = async (): Promise<void> => {
    // While items are in flight their completions pump again; a timer covers retries falling due.
    if (inFlight.size > 0) {
      clearTimeout(timer);
      timer = setTimeout(pump, MAX_SLEEP_MS);
      return;
    }
    const due = await o.nextDueAt().catch(() => undefined);
    const until = due ? due.getTime() - Date.now() : MAX_SLEEP_MS;
    const wait = until <= 0 ? BLOCKED_SLEEP_MS : Math.min(MAX_SLEEP_MS, Math.max(5, until));
    clearTimeout(timer);
    if (!stopped && !pumping) timer = setTimeout(pump, wait);
  };

  const listeners = await Promise.all(o.channels.map((channel) => o.db.listen(channel, () => pump())));
  pump();

  return {
    kick: pump,
    inFlight: () => inFlight.size,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.all(listeners.map((l) => l.unlisten().catch(() => undefined)));
      await pumping;
      const grace = new Promise<void>((r) => {
        const t = setTimeout(r, o.stopGraceMs ?? 5000);
        t.unref();
      });
      await Promise.race([Promise.allSettled([...inFlight]), grace]);
      abort.abort();
      await Promise.allSettled([...inFlight]);
    },
  };
}
