import Type, { type Static } from 'typebox';
import { SnapshotStatus, WatchRefV1 } from './messages';

/** A date-time in ISO 8601 with an offset. */
const IsoTime = (description: string) => Type.String({ format: 'date-time', description });

export const WatchEventKind = Type.Union([Type.Literal('watch.stale'), Type.Literal('watch.recovered'), Type.Literal('watch.blocked')], {
  description:
    'watch.stale: no successful check for the stale period; watch.recovered: a check succeeded again; ' +
    'watch.blocked: the upstream stopped answering this watch until an operator acts (captcha_required, auth_failed).',
});
export type WatchEventKind = 'watch.stale' | 'watch.recovered' | 'watch.blocked';

/** What slotwatch knows about a watch's slots: some open, none open, or nothing certain. */
export const WatchStateV1 = Type.Union([Type.Literal('available'), Type.Literal('none'), Type.Literal('unknown')]);
export type WatchStateV1 = Static<typeof WatchStateV1>;

/**
 * differ (outbox) → operators and integrators, on `<prefix>.watch.<stale|recovered>.<watchId>` in
 * WATCH_EVENTS. `Nats-Msg-Id` = `eventId`.
 */
export const WatchEventV1 = Type.Object({
  v: Type.Literal(1),
  /** Event id (uuid), stable: every dedupe key derives from it. */
  eventId: Type.String({ description: 'Event id (uuid).' }),
  /** Monotonic position in the watch event log. */
  seq: Type.Integer({ description: 'Position in the watch event log.' }),
  type: WatchEventKind,
  /** When the differ decided it. */
  at: IsoTime('When the change was decided.'),
  watch: WatchRefV1,
  /** `public` events may go to public channels; `private` only to the owner's. */
  visibility: Type.Union([Type.Literal('public'), Type.Literal('private')]),
  /** The watch's state after this event. */
  state: WatchStateV1,
  /** When a check last succeeded (absent: never). */
  lastSuccessAt: Type.Optional(IsoTime('When a check last succeeded.')),
  /** When a check was last attempted (absent: never). */
  lastAttemptAt: Type.Optional(IsoTime('When a check was last attempted.')),
  /** Status of the last check, e.g. `blocked`. */
  lastStatus: Type.Optional(SnapshotStatus),
  /** Machine reason of the last failed check, e.g. `captcha_required`. */
  lastReason: Type.Optional(Type.String({ description: 'Machine reason of the last failed check.' })),
  /** When the watch went stale (watch.stale: now; watch.recovered: when it had gone stale). */
  staleSince: Type.Optional(IsoTime('When the watch went stale.')),
  /** The check that recovered the watch (watch.recovered only). */
  checkId: Type.Optional(Type.String({ description: 'The check that recovered the watch.' })),
});
export type WatchEventV1 = Static<typeof WatchEventV1>;
