import Type, { type Static } from 'typebox';
import { isTimeZone, TargetError } from '@slotwatch/provider-core';

/** The public backend behind https://consulat.gouv.fr/<slug>/rendez-vous (research/troov.md §0). */
export const TROOV_BASE_URL = 'https://api.consulat.gouv.fr/api';

const ObjectId = (what: string, example: string) =>
  Type.String({
    pattern: '^[0-9a-f]{24}$',
    description:
      `${what}: 24 lower-case hex characters, e.g. ${example}. ` +
      'Find it with GET <baseUrl>/team/slug/<slug> (the consulate page is consulat.gouv.fr/<slug>/rendez-vous).',
  });

/** What one TROOV watch looks at: one service (zone) of one consulate (team). */
export const TroovTarget = Type.Object(
  {
    baseUrl: Type.Optional(
      Type.String({
        format: 'uri',
        pattern: '^https?://',
        default: TROOV_BASE_URL,
        description: `API base URL including /api; leave it out for the real service (${TROOV_BASE_URL}).`,
      }),
    ),
    teamId: ObjectId('The consulate (team) id, `_id` of the team', '61f924e90b0582a933ff3e7c (Montréal)'),
    serviceId: ObjectId(
      'The service (zone) id, `_id` of an entry of the team\'s `reservations_shop_availabilty`',
      '623e3c5319ec2e40dcf76397 (Montréal passport)',
    ),
    serviceName: Type.String({
      minLength: 1,
      description:
        'The exact service name as the team lists it, e.g. "Demande de passeport/CNI". TROOV answers "no slots" ' +
        'for any other spelling, so copy it from the team info (`name` of the zone).',
    }),
    timezone: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'IANA time zone of the consulate, e.g. America/Montreal; leave it out to use the team\'s `timezone`.',
      }),
    ),
    slug: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9-]+$',
        description:
          'The consulate page slug (consulat.gouv.fr/<slug>/rendez-vous), only for the booking link in notifications, ' +
          'e.g. consulat-general-de-france-a-montreal.',
      }),
    ),
    profile: Type.Optional(
      Type.Union([Type.Literal('current'), Type.Literal('2022')], {
        default: 'current',
        description:
          'Header profile: "current" (HEAD /handshake tokens, x-gouv-* headers, 2023 onward) or "2022" ' +
          '(x-troov-web and the old `avaibility` path, spring 2022). Use "current" unless you run an old fake.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type TroovTarget = Static<typeof TroovTarget>;

export type TroovProfile = 'current' | '2022';

/** A target with its defaults filled in. `timezone` stays optional: the team info supplies it. */
export interface ResolvedTarget {
  baseUrl: string;
  teamId: string;
  serviceId: string;
  serviceName: string;
  timezone?: string;
  slug?: string;
  profile: TroovProfile;
}

export function resolveTarget(target: TroovTarget): ResolvedTarget {
  const baseUrl = (target.baseUrl ?? TROOV_BASE_URL).replace(/\/+$/, '');
  if (target.timezone !== undefined && !isTimeZone(target.timezone)) {
    throw new TargetError(
      'timezone',
      `timezone "${target.timezone}" is not an IANA time zone; use e.g. "America/Montreal", or leave it out to use the team's`,
    );
  }
  return {
    baseUrl,
    teamId: target.teamId,
    serviceId: target.serviceId,
    serviceName: target.serviceName,
    timezone: target.timezone,
    slug: target.slug,
    profile: target.profile ?? 'current',
  };
}

