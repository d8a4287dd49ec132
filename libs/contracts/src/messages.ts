import Type, { type Static } from 'typebox';

/** A date-time in ISO 8601 with an offset, e.g. `2026-11-24T09:15:00-05:00`. */
const IsoTime = (description: string) => Type.String({ format: 'date-time', description });

/** The watch a message is about, as notifications need it. */
export const WatchRefV1 = Type.Object({
  /** Watch id (uuid). */
  id: Type.String({ description: 'Watch id (uuid).' }),
  /** Human name of the watch, e.g. "Montréal passport". */
  name: Type.String({ description: 'Human name of the watch.' }),
  /** Provider id, e.g. `troov`. */
  provider: Type.String({ description: 'Provider id, e.g. troov.' }),
});
export type WatchRefV1 = Static<typeof WatchRefV1>;

/** scheduler → scraper. `Nats-Msg-Id` = `<watchId>:<tick>`. */
export const CheckRequestedV1 = Type.Object({
  /** Schema major version. */
  v: Type.Literal(1),
  /** Unique id of this check; the observation reuses it as its `Nats-Msg-Id`. */
  checkId: Type.String({ description: 'Unique id of this check.' }),
  /** The watch to check. */
  watchId: Type.String({ description: 'Watch id.' }),
  /** Provider id, also the last subject token. */
  provider: Type.String({ description: 'Provider id.' }),
  /** The scheduler tick: floor(epoch seconds / interval). */
  tick: Type.Integer({ description: 'Scheduler tick of this check.' }),
  /** When the scheduler asked. */
  requestedAt: IsoTime('When the scheduler asked.'),
});
export type CheckRequestedV1 = Static<typeof CheckRequestedV1>;

export const SnapshotStatus = Type.Union(
  [
    Type.Literal('ok'),
    Type.Literal('partial'),
    Type.Literal('error'),
    Type.Literal('rate_limited'),
    Type.Literal('auth_failed'),
    Type.Literal('blocked'),
  ],
  { description: 'Only ok and partial snapshots change slots, and only inside their scope.' },
);
export type SnapshotStatus = Static<typeof SnapshotStatus>;

/** One slot as a check saw it. */
export const ObservedSlotV1 = Type.Object({
  /** Stable identity of the slot within its watch, e.g. `2026-11-24T09:15`. */
  key: Type.String({ minLength: 1, description: 'Stable identity of the slot within its watch.' }),
  /** Start of the slot, ISO 8601 with the offset of the watch's zone. */
  startsAt: IsoTime('Start of the slot, with offset.'),
  /** Scope unit the slot belongs to (for TROOV: its day, YYYY-MM-DD). */
  scopeKey: Type.String({ description: 'The scope unit the slot belongs to, e.g. its day.' }),
  /** Provider-specific facts (capacity, rate, vaccine, site, expiresAt…). */
  attributes: Type.Record(Type.String(), Type.Unknown(), { description: 'Provider-specific facts.' }),
});
export type ObservedSlotV1 = Static<typeof ObservedSlotV1>;

/** What one check covered: everything, or a set of scope units (days). */
export const ScopeV1 = Type.Union([
  Type.Object({ all: Type.Literal(true) }),
  Type.Object({ keys: Type.Array(Type.String(), { description: 'Scope units actually answered.' }) }),
]);
export type ScopeV1 = Static<typeof ScopeV1>;

/** scraper → differ. `Nats-Msg-Id` = `checkId`. */
export const SlotsObservedV1 = Type.Object({
  v: Type.Literal(1),
  /** The check this answers. */
  checkId: Type.String(),
  watchId: Type.String(),
  provider: Type.String(),
  /** Outcome of the check. */
  status: SnapshotStatus,
  /** What the check covered; closures happen only inside it. */
  scope: ScopeV1,
  /** The slots seen (empty unless ok/partial). */
  slots: Type.Array(ObservedSlotV1),
  /** Machine reason for a non-ok status, e.g. `captcha_required`, `http_500`. */
  reason: Type.Optional(Type.String()),
  /** Human explanation for operators. */
  detail: Type.Optional(Type.String()),
  /** Hint for a status that says nothing certain, e.g. "likely available". */
  hint: Type.Optional(Type.String()),
  /** Earliest time the upstream allows the next call (after 429 / budget). */
  retryAfter: Type.Optional(IsoTime('Earliest time the upstream allows the next call.')),
  /** Upstream requests this check made. */
  requests: Type.Integer({ minimum: 0 }),
  /** When the check started and ended. */
  startedAt: IsoTime('When the check started.'),
  observedAt: IsoTime('When the check ended.'),
});
export type SlotsObservedV1 = Static<typeof SlotsObservedV1>;

export const SlotEventKind = Type.Union([Type.Literal('slot.opened'), Type.Literal('slot.closed')]);
export type SlotEventKind = 'slot.opened' | 'slot.closed';

/** The slot as events and webhooks carry it. */
export const SlotV1 = Type.Object({
  key: Type.String(),
  startsAt: IsoTime('Start of the slot, with offset.'),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  /** When slotwatch first saw it open. */
  firstSeenAt: IsoTime('When slotwatch first saw the slot.'),
  /** When it closed (slot.closed only). */
  closedAt: Type.Optional(IsoTime('When the slot closed.')),
  /** Seconds it stayed open (slot.closed only). */
  openSeconds: Type.Optional(Type.Number()),
});
export type SlotV1 = Static<typeof SlotV1>;

/** differ (outbox) → notifier and integrators. `Nats-Msg-Id` = `eventId`. */
export const SlotChangedV1 = Type.Object({
  v: Type.Literal(1),
  /** Event id (uuid), stable: the webhook-id and every dedupe key derive from it. */
  eventId: Type.String(),
  /** Monotonic position in the event log (the `GET /v1/events?after=` cursor). */
  seq: Type.Integer(),
  type: SlotEventKind,
  /** When the differ decided it. */
  at: IsoTime('When the change was decided.'),
  watch: WatchRefV1,
  /** `public` events may go to public channels; `private` only to the owner's. */
  visibility: Type.Union([Type.Literal('public'), Type.Literal('private')]),
  slot: SlotV1,
  /** When the check that saw it ran (the data's age). */
  observedAt: IsoTime('When the check that saw it ended.'),
  /** The check it came from (for tracing and support). */
  checkId: Type.String(),
});
export type SlotChangedV1 = Static<typeof SlotChangedV1>;
