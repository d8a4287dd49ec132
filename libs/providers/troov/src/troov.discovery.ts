import { TargetError } from '@slotwatch/provider-core';
import type { HttpClient } from '@slotwatch/http';
import { getTeam } from './troov.api';
import { TroovCallError, TroovClient } from './troov.client';
import type { TroovProfile } from './troov.config';
import type { TroovTeam, TroovZone } from './troov.schema';

export type { TroovTeam, TroovZone } from './troov.schema';

/** One bookable service (zone) of a team, as a person picks it. */
export interface TroovService {
  /** The zone `_id`: the target's `serviceId`. */
  id: string;
  /** The exact name: the target's `serviceName`. */
  name: string;
  isOpen: boolean;
  /** How far ahead the calendar reaches, in days (`dynamic_calendar.end`), when the team says. */
  horizonDays: number | undefined;
}

/**
 * Fetch a team by its URL slug (`consulat-general-de-france-a-montreal`) or its 24-hex id, for
 * `slotwatch watch add` and presets. Throws `TargetError('team', …)` when TROOV does not know it and
 * `TroovCallError` for upstream trouble.
 */
export async function fetchTeam(
  http: HttpClient,
  baseUrl: string,
  slugOrId: string,
  options: { profile?: TroovProfile; signal?: AbortSignal; now?: () => Date } = {},
): Promise<TroovTeam> {
  const client = new TroovClient({
    http,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    profile: options.profile ?? 'current',
    now: options.now ?? (() => new Date()),
    signal: options.signal,
  });
  try {
    return await getTeam(client, slugOrId);
  } catch (error) {
    if (error instanceof TroovCallError && error.info.status === 404) {
      const why = `TROOV knows no team "${slugOrId}" at ${baseUrl}`;
      throw new TargetError('team', `${why}; use the slug of consulat.gouv.fr/<slug>/rendez-vous or the 24-hex team id`);
    }
    throw error;
  }
}

export function listServices(team: TroovTeam): TroovService[] {
  return team.reservations_shop_availabilty.map((zone) => ({
    id: zone._id,
    name: zone.name,
    isOpen: zone.is_open ?? true,
    horizonDays: zone.dynamic_calendar?.end.value,
  }));
}

/** The service with exactly this name (availability matches names exactly, so no fuzzy matching). */
export function resolveService(team: TroovTeam, name: string): TroovZone {
  const zone = team.reservations_shop_availabilty.find((z) => z.name === name);
  if (zone) return zone;
  const known = team.reservations_shop_availabilty.map((z) => `"${z.name}"`).join(', ');
  throw new TargetError('service', `no service named "${name}" at ${team.name}; known: ${known || 'none'}`);
}
