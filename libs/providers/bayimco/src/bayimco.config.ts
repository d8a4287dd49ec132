import Type, { type Static } from 'typebox';
import { isTimeZone, TargetError } from '@slotwatch/provider-core';

/** The citizen API behind https://impfzentren.bayern/citizen/ (research/bayimco.md §1, §3). */
export const BAYIMCO_BASE_URL = 'https://impfzentren.bayern/api/v1';
/** The Keycloak realm base; `/protocol/openid-connect/{auth,token}` hang below it (§1, §2). */
export const BAYIMCO_AUTH_URL = 'https://ciam.impfzentren.bayern/auth/realms/C19V-Citizen';
/** The SPA's public OIDC client; it has no secret (§1). */
export const BAYIMCO_CLIENT_ID = 'c19v-frontend';

/** The upstream limit on appointments/next: "about 30 requests/15 minutes", then 404s (§4.1, S1/S2 README). */
export const BAYIMCO_UPSTREAM_LIMIT = { calls: 30, perSeconds: 900 } as const;

const UUID = '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$';
const UUID_RE = new RegExp(UUID);

/** What one BayIMCO watch looks at: the next appointment offered to one citizen, optionally at one site. */
export const BayimcoTarget = Type.Object(
  {
    baseUrl: Type.Optional(
      Type.String({ format: 'uri', pattern: '^https?://', default: BAYIMCO_BASE_URL, description: `API base including /api/v1; leave it out for the real service (${BAYIMCO_BASE_URL}).` }),
    ),
    authUrl: Type.Optional(
      Type.String({ format: 'uri', pattern: '^https?://', default: BAYIMCO_AUTH_URL, description: `Keycloak realm base; leave it out for the real one (${BAYIMCO_AUTH_URL}).` }),
    ),
    citizenId: Type.String({
      pattern: UUID,
      description:
        'The person\'s BayIMCO UUID, e.g. 34622806-40C1-4FDF-8F36-D6C4DCD6564E: the last part of the portal URL ' +
        'impfzentren.bayern/citizen/overview/<UUID> after logging in (one account holds up to 5 persons).',
    }),
    timeOfDay: Type.Optional(Type.String({ pattern: '^[A-Z_]+$', default: 'ALL_DAY', description: 'Query timeOfDay; ALL_DAY is the only value seen (research/bayimco.md §5.2).' })),
    lastDate: Type.Optional(
      Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Earliest acceptable day, YYYY-MM-DD; leave it out for today (a past day is sent as today).' }),
    ),
    lastTime: Type.Optional(Type.String({ pattern: '^\\d{2}:\\d{2}$', default: '00:00', description: 'Query lastTime, HH:MM; every bot sent 00:00.' })),
    possibleSiteId: Type.Optional(Type.String({ pattern: UUID, description: 'Only this vaccination site (a site id from `slotwatch bayimco sites`).' })),
    timezone: Type.Optional(Type.String({ minLength: 1, default: 'Europe/Berlin', description: 'IANA zone of the wall-clock dates BayIMCO answers.' })),
    budget: Type.Optional(
      Type.Object(
        {
          calls: Type.Integer({ minimum: 1, default: 30, description: 'appointments/next calls allowed per window (upstream: about 30 per 15 min).' }),
          perSeconds: Type.Integer({ minimum: 60, default: 900, description: 'Window length in seconds.' }),
        },
        { additionalProperties: false, description: 'Request budget, reserved before every appointments/next call.' },
      ),
    ),
    policies: Type.Optional(
      Type.Object(
        {
          stopOnSuccess: Type.Optional(Type.Boolean({ default: false, description: 'Stop checking after an appointment was found (c19ac stop_on_success).' })),
          stopOnFail: Type.Optional(Type.Boolean({ default: false, description: 'Stop checking after an error other than the "likely available" 500/timeout (c19ac stop_on_fail).' })),
          stopOnAuthFail: Type.Optional(Type.Boolean({ default: false, description: 'Stop checking when the login fails (c19ac stop_on_tokenfail).' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type BayimcoTarget = Static<typeof BayimcoTarget>;

export interface StopPolicies {
  stopOnSuccess: boolean;
  stopOnFail: boolean;
  stopOnAuthFail: boolean;
}

/** A target with its defaults filled in and its ids in the upper case BayIMCO writes them. */
export interface ResolvedTarget {
  baseUrl: string;
  authUrl: string;
  citizenId: string;
  timeOfDay: string;
  lastDate?: string;
  lastTime: string;
  possibleSiteId?: string;
  timezone: string;
  budget: { calls: number; perSeconds: number };
  policies: StopPolicies;
}

/** Checks what the schema cannot say clearly; throws a `TargetError` that names the field and the fix. */
export function resolveTarget(target: BayimcoTarget): ResolvedTarget {
  const citizenId = String(target.citizenId ?? '');
  if (!UUID_RE.test(citizenId)) {
    throw new TargetError(
      'citizenId',
      `target.citizenId "${citizenId}" is not a BayIMCO citizen UUID; copy it from impfzentren.bayern/citizen/overview/<UUID>, ` +
        'e.g. 34622806-40C1-4FDF-8F36-D6C4DCD6564E',
    );
  }
  if (target.possibleSiteId !== undefined && !UUID_RE.test(target.possibleSiteId)) {
    throw new TargetError('possibleSiteId', `target.possibleSiteId "${target.possibleSiteId}" is not a site UUID; list the sites with \`slotwatch bayimco sites\``);
  }
  const timezone = target.timezone ?? 'Europe/Berlin';
  if (!isTimeZone(timezone)) throw new TargetError('timezone', `target.timezone "${timezone}" is not an IANA time zone; leave it out for Europe/Berlin`);
  if (target.lastDate !== undefined && !isDay(target.lastDate)) {
    throw new TargetError('lastDate', `target.lastDate "${target.lastDate}" is not a date; use YYYY-MM-DD or leave it out for today`);
  }
  if (target.lastTime !== undefined && !/^([01]\d|2[0-3]):[0-5]\d$/.test(target.lastTime)) {
    throw new TargetError('lastTime', `target.lastTime "${target.lastTime}" is not a time; use HH:MM, e.g. 00:00`);
  }
  const p = target.policies ?? {};
  return {
    baseUrl: (target.baseUrl ?? BAYIMCO_BASE_URL).replace(/\/+$/, ''),
    authUrl: (target.authUrl ?? BAYIMCO_AUTH_URL).replace(/\/+$/, ''),
    citizenId: citizenId.toUpperCase(),
    timeOfDay: target.timeOfDay ?? 'ALL_DAY',
    lastDate: target.lastDate,
    lastTime: target.lastTime ?? '00:00',
    possibleSiteId: target.possibleSiteId?.toUpperCase(),
    timezone,
    budget: { calls: target.budget?.calls ?? 30, perSeconds: target.budget?.perSeconds ?? 900 },
    policies: { stopOnSuccess: p.stopOnSuccess ?? false, stopOnFail: p.stopOnFail ?? false, stopOnAuthFail: p.stopOnAuthFail ?? false },
  };
}

/** The SPA origin, for the OIDC redirect_uri and booking links (https://impfzentren.bayern/citizen/…, §3.10). */
export function spaUrl(baseUrl: string, path = ''): string {
  return new URL(`/citizen/${path}`, baseUrl).toString();
}


export function isDay(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).toISOString().slice(0, 10) === value;
}
