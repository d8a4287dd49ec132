import type { Db, SecretBox } from '@slotwatch/db';
import { withJitter } from '@slotwatch/http';
import type { Metrics } from '@slotwatch/telemetry';
import type { Logger } from 'pino';
import type { BatchItem } from './batches.repository';
import type { WatchNow } from './slot-state.repository';

/** What the email and X senders share. */
export interface SenderContext {
  db: Db;
  secrets: SecretBox;
  log: Logger;
  metrics: Metrics;
  /** SLOTWATCH_PUBLIC_URL, for confirmation and unsubscribe links. */
  publicUrl: string;
  /** Delay before the next try after `attempts` failed ones; undefined: give up. */
  retryDelayMs(attempts: number): number | undefined;
  /** Where people book this watch's slots (the provider's booking page). */
  bookingUrl(watch: WatchNow): string | undefined;
}

/**
 * Retries of a mail or post: 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h (±20 %), then failed. Shorter
 * than the webhook schedule: an alert about a freed slot is worth little a day later. (Our choice.)
 */
export const BATCH_RETRY_SCHEDULE_S: readonly number[] = Object.freeze([30, 120, 600, 1800, 3600, 7200, 14400]);

export function batchRetryDelayMs(attempts: number): number | undefined {
  const base = BATCH_RETRY_SCHEDULE_S[attempts - 1];
  return base === undefined ? undefined : withJitter(base * 1000, 0.2);
}

/**
 * Splits a watch's items by what is true now: `announce` (one per slot still open), `riders` (the
 * same slot again in this window: settled with it) and `gone` (closed already: a slot that opened
 * and closed inside the window is not announced).
 */
export function stillOpen(items: BatchItem[], watch: WatchNow | undefined): { announce: BatchItem[]; riders: BatchItem[]; gone: BatchItem[] } {
  const openKeys = new Set((watch?.open ?? []).map((s) => s.key));
  const seen = new Set<string>();
  const out = { announce: [] as BatchItem[], riders: [] as BatchItem[], gone: [] as BatchItem[] };
  for (const item of items) {
    if (!openKeys.has(item.slotKey)) out.gone.push(item);
    else if (seen.has(item.slotKey)) out.riders.push(item);
    else {
      seen.add(item.slotKey);
      out.announce.push(item);
    }
  }
  return out;
}

/** The freshest time the data was confirmed: the watch's last successful check, or the items' checks. */
export function seenAt(items: BatchItem[], watch: WatchNow | undefined): Date {
  const times = items.map((i) => i.observedAt.getTime());
  if (watch?.lastSuccessAt) times.push(new Date(watch.lastSuccessAt).getTime());
  return new Date(Math.max(...times));
}

export function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) map.set(key(item), [...(map.get(key(item)) ?? []), item]);
  return map;
}
