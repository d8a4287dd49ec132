/**
 * Every NATS subject, stream and durable consumer name slotwatch uses. No other file writes a
 * subject as a string literal; they call these builders.
 *
 * A `prefix` (default `slotwatch`) lets tests and several installations share one NATS server:
 * streams are named `<PREFIX>_<NAME>` and subjects start with `<prefix>.`.
 */
export interface Naming {
  /** Subject prefix, e.g. `slotwatch`. */
  readonly prefix: string;
}

export const DEFAULT_NAMING: Naming = { prefix: 'slotwatch' };

const token = (value: string): string => {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) {
    throw new Error(`"${value}" cannot be a NATS subject token: use letters, digits, "_" or "-"`);
  }
  return value;
};

export const subjects = {
  /** scheduler → scraper: one check of one watch. */
  checkRequested: (n: Naming, provider: string) => `${n.prefix}.check.requested.${token(provider)}`,
  checkRequestedAll: (n: Naming) => `${n.prefix}.check.requested.>`,
  /** scraper → differ: what one check saw. */
  slotsObserved: (n: Naming, provider: string) => `${n.prefix}.slots.observed.${token(provider)}`,
  slotsObservedAll: (n: Naming) => `${n.prefix}.slots.observed.>`,
  /** differ (through the outbox) → notifier and integrators: one slot event. */
  slotsChanged: (n: Naming, provider: string, watchId: string) =>
    `${n.prefix}.slots.changed.${token(provider)}.${token(watchId)}`,
  slotsChangedAll: (n: Naming) => `${n.prefix}.slots.changed.>`,
  /** differ → operators: watch state changes (stale, recovered, blocked). */
  watchEvent: (n: Naming, kind: string, watchId: string) => `${n.prefix}.watch.${token(kind)}.${token(watchId)}`,
  watchEventAll: (n: Naming) => `${n.prefix}.watch.>`,
} as const;

export type StreamKey = 'CHECKS' | 'OBSERVATIONS' | 'SLOT_EVENTS' | 'WATCH_EVENTS';

export interface StreamSpec {
  readonly key: StreamKey;
  readonly retention: 'workqueue' | 'limits';
  readonly subjects: (n: Naming) => string[];
  /** Max age of messages, in seconds (0 = unlimited). */
  readonly maxAgeSeconds: number;
  /** JetStream duplicate window for `Nats-Msg-Id`, in seconds. */
  readonly duplicateWindowSeconds: number;
}

export const streams: Record<StreamKey, StreamSpec> = {
  CHECKS: { key: 'CHECKS', retention: 'workqueue', subjects: (n) => [subjects.checkRequestedAll(n)], maxAgeSeconds: 3600, duplicateWindowSeconds: 600 },
  OBSERVATIONS: { key: 'OBSERVATIONS', retention: 'workqueue', subjects: (n) => [subjects.slotsObservedAll(n)], maxAgeSeconds: 86_400, duplicateWindowSeconds: 600 },
  SLOT_EVENTS: { key: 'SLOT_EVENTS', retention: 'limits', subjects: (n) => [subjects.slotsChangedAll(n)], maxAgeSeconds: 30 * 86_400, duplicateWindowSeconds: 3600 },
  WATCH_EVENTS: { key: 'WATCH_EVENTS', retention: 'limits', subjects: (n) => [subjects.watchEventAll(n)], maxAgeSeconds: 30 * 86_400, duplicateWindowSeconds: 3600 },
};

/** The stream's name on the server: `SLOTWATCH_CHECKS`, or `<PREFIX>_CHECKS` under a test prefix. */
export const streamName = (n: Naming, key: StreamKey): string =>
  `${n.prefix.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}_${key}`;

export type ConsumerKey = 'scraper' | 'differ' | 'notifier' | 'notifierWatch';

/** Durable consumers: each reads one stream. */
export const consumers: Record<ConsumerKey, { stream: StreamKey; durable: string }> = {
  scraper: { stream: 'CHECKS', durable: 'scraper' },
  differ: { stream: 'OBSERVATIONS', durable: 'differ' },
  notifier: { stream: 'SLOT_EVENTS', durable: 'notifier' },
  /** Watch events (stale, recovered, blocked) for operators' webhooks. */
  notifierWatch: { stream: 'WATCH_EVENTS', durable: 'notifier-watch' },
};
