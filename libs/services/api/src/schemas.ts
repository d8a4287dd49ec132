import Type, { type TProperties, type TSchema } from 'typebox';

/** Shared TypeBox schemas: one source for validation, the static types and /openapi.json. */

export const Uuid = (description = 'A uuid.') => Type.String({ format: 'uuid', description });
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Time = (description: string) => Type.String({ format: 'date-time', description });

export const IdParams = Type.Object({ id: Uuid() }, { additionalProperties: false });

/** Cursor pagination: `?after=<cursor>&limit=`; every list answers `{items, next}`. */
export const PageQuery = <A extends TSchema, E extends TProperties = Record<never, TSchema>>(after: A, extra?: E) =>
  Type.Object(
    {
      after: Type.Optional(after),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'Items per page (1–500).' })),
      ...(extra ?? ({} as E)),
    },
    { additionalProperties: false },
  );

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    next: Nullable(Type.String({ description: 'Pass as `after` for the next page; null on the last page.' })),
  });

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { description: 'RFC 9457 problem details (application/problem+json).', additionalProperties: true },
);

/** The error answers every authenticated route may give, for the OpenAPI document. */
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ProblemSchema]));

export const HealthSchema = Type.Object({
  state: Type.Union([Type.Literal('available'), Type.Literal('none'), Type.Literal('unknown')], {
    description: 'available: open slots seen; none: the last check succeeded and saw none; unknown: no trustworthy answer yet.',
  }),
  lastStatus: Nullable(Type.String({ description: 'Status of the last check: ok, partial, error, rate_limited, auth_failed, blocked.' })),
  reason: Nullable(Type.String()),
  detail: Nullable(Type.String()),
  hint: Nullable(Type.String()),
  lastAttemptAt: Nullable(Time('When the last check ran.')),
  lastSuccessAt: Nullable(Time('When a check last succeeded.')),
  consecutiveFailures: Type.Integer(),
  nextAllowedAt: Nullable(Time('Earliest next call the upstream allows.')),
  staleSince: Nullable(Time('Since when no check succeeded for too long (the data is stale).')),
  openSlots: Type.Integer(),
});

export const WatchSchema = Type.Object({
  id: Uuid(),
  provider: Type.String(),
  name: Type.String(),
  target: Type.Record(Type.String(), Type.Unknown()),
  intervalSeconds: Type.Integer(),
  active: Type.Boolean(),
  visibility: Type.Union([Type.Literal('public'), Type.Literal('private')]),
  createdAt: Time('When the watch was created.'),
  hasCredentials: Type.Boolean({ description: 'Whether credentials or a session were handed over (they are never shown).' }),
  health: HealthSchema,
});

export const SlotSchema = Type.Object({
  key: Type.String(),
  startsAt: Type.String({ description: "Start, ISO 8601 with the offset of the watch's zone." }),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  firstSeenAt: Time('When slotwatch first saw it open.'),
});

export const EventSchema = Type.Object({
  seq: Type.Integer({ description: 'Position in the event log; the `after` cursor.' }),
  id: Uuid('Event id; the webhook-id of its deliveries.'),
  type: Type.Union([Type.Literal('slot.opened'), Type.Literal('slot.closed')]),
  watchId: Uuid(),
  at: Time('When the change was decided.'),
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'The slot event as webhooks carry it (SlotChangedV1).' }),
});

export const WebhookFilterSchema = Type.Object(
  {
    watchIds: Type.Optional(Type.Array(Uuid(), { maxItems: 1000 })),
    providers: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { maxItems: 20 })),
    types: Type.Optional(
      Type.Array(
        Type.Union([
          Type.Literal('slot.opened'), Type.Literal('slot.closed'), Type.Literal('watch.stale'),
          Type.Literal('watch.recovered'), Type.Literal('watch.blocked'), Type.Literal('webhook.disabled'),
        ]),
        { maxItems: 6, description: 'Event types to send: slot events, and for operators watch.stale / watch.recovered / watch.blocked and webhook.disabled.' },
      ),
    ),
  },
  { additionalProperties: false, description: 'Which events to send; an absent key matches everything.' },
);

export const WebhookSchema = Type.Object({
  id: Uuid(),
  url: Type.String(),
  filter: WebhookFilterSchema,
  createdAt: Time('When it was registered.'),
  disabledAt: Nullable(Time('When the notifier disabled it (the endpoint answered 410).')),
  disabledReason: Nullable(Type.String()),
  previousSecretExpiresAt: Nullable(Time('Until when the secret before the last rotation still signs deliveries.')),
});
