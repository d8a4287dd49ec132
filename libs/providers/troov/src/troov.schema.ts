import Type, { type Static } from 'typebox';

/**
 * The upstream's answers, only the fields slotwatch reads (research/troov.md §1). Objects stay open:
 * TROOV adds fields over time (e.g. `cancel_limit` in Nov 2022) and that must not break a check.
 */

const HourOrMinute = Type.Union([Type.String(), Type.Number()]);

/** One zone (service) of a team; `_id` is the serviceId, `name` the exact availability `name=`. */
export const TroovZone = Type.Object({
  _id: Type.String(),
  name: Type.String(),
  is_open: Type.Optional(Type.Boolean()),
  dynamic_calendar_enabled: Type.Optional(Type.Boolean()),
  dynamic_calendar: Type.Optional(
    Type.Object({
      begin: Type.Object({ type: Type.Optional(Type.String()), value: Type.Number() }),
      end: Type.Object({ type: Type.Optional(Type.String()), value: Type.Number() }),
    }),
  ),
  /** Local release time of the next day, as strings in the wild ("18", "0"). */
  dynamic_calendar_opening: Type.Optional(Type.Object({ hour: HourOrMinute, minute: HourOrMinute })),
  session_duration: Type.Optional(Type.Number()),
});
export type TroovZone = Static<typeof TroovZone>;

/** A team (consulate or embassy); the zones sit in the misspelt `reservations_shop_availabilty`. */
export const TroovTeam = Type.Object({
  _id: Type.String(),
  name: Type.String(),
  slug: Type.Optional(Type.String()),
  timezone: Type.Optional(Type.String()),
  reservations_shop_availabilty: Type.Array(TroovZone),
});
export type TroovTeam = Static<typeof TroovTeam>;

/** `get-interval`: the server-computed window, plain days. */
export const TroovInterval = Type.Object({
  start: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}' }),
  end: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}' }),
});

/** `exclude-days`: days with nothing bookable, unordered. */
export const TroovExcludedDays = Type.Array(Type.String());

/** `availability`: the free times of one day. */
export const TroovAvailability = Type.Array(
  Type.Object({
    time: Type.String({ pattern: '^\\d{2}:\\d{2}$' }),
    rate: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    capacity: Type.Optional(Type.Number()),
  }),
);
export type TroovAvailability = Static<typeof TroovAvailability>;

/** `reservations-session`: every bot reads only `_id`. */
export const TroovSession = Type.Object({ _id: Type.String({ minLength: 1 }) });
