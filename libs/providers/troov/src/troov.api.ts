import Type from 'typebox';
import { TroovCallError, snippet, type TroovClient } from './troov.client';
import type { TroovProfile } from './troov.config';
import {
  TroovAvailability,
  TroovExcludedDays,
  TroovInterval,
  TroovSession,
  TroovTeam,
} from './troov.schema';
import { Value } from 'typebox/value';

/** The endpoints a watcher needs (research/troov.md §1), one function each. */

const isObjectId = (value: string) => /^[0-9a-f]{24}$/.test(value);

/** GET /team/<id> or /team/slug/<slug>. */
export async function getTeam(client: TroovClient, slugOrId: string): Promise<TroovTeam> {
  const path = isObjectId(slugOrId) ? `/team/${slugOrId}` : `/team/slug/${encodeURIComponent(slugOrId)}`;
  return (await client.json('GET', path, TroovTeam, { query: { lang: 'fr' } })) as TroovTeam;
}

/** GET …/reservations/get-interval: the window the server offers, `YYYY-MM-DD` both ends. */
export async function getInterval(client: TroovClient, teamId: string, serviceId: string): Promise<{ start: string; end: string }> {
  const body = (await client.json('GET', `/team/${teamId}/reservations/get-interval`, TroovInterval, {
    query: { serviceId },
  })) as { start: string; end: string };
  return { start: body.start.slice(0, 10), end: body.end.slice(0, 10) };
}

/**
 * POST …/reservations-session without a captcha token: slotwatch never solves captchas, so a server
 * that wants one refuses, and that refusal is reported as `captcha_required`.
 */
export async function createSession(
  client: TroovClient,
  teamId: string,
  serviceName: string,
  profile: TroovProfile,
): Promise<string> {
  const path = `/team/${teamId}/reservations-session`;
  // 2026 refuses a `sessionId` key in this body with 404; spring 2022 sent none at all (research/troov.md §1.5).
  const body = profile === 'current' ? { standaloneServiceName: serviceName } : null;
  let answer: unknown;
  try {
    answer = await client.json('POST', path, Type.Unknown(), { body });
  } catch (error) {
    if (error instanceof TroovCallError && (error.kind === 'http' || error.kind === 'session_error')) {
      const status = error.info.status ?? 0;
      if (status >= 400 && status < 500) {
        const text = error.info.body ?? '';
        const said = text ? ` ${snippet(text)}` : '';
        if (/captcha/i.test(text)) {
          throw new TroovCallError('captcha_required', `POST ${path} asks for a captcha (HTTP ${status}${said})`, error.info, { cause: error });
        }
        const message = `POST ${path} refused a new session (HTTP ${status}${said})`;
        throw new TroovCallError('session_refused', message, error.info, { cause: error });
      }
    }
    throw error;
  }
  // A 2xx without `_id` is how a failed captcha looked in 2023 (research/troov.md §2).
  if (!Value.Check(TroovSession, answer)) {
    throw new TroovCallError('captcha_required', `POST ${path} answered without a session _id, as it does when a captcha is required`);
  }
  return answer._id;
}

/** POST …/reservations/exclude-days: days with nothing bookable (unordered, may include weekends and past days). */
export async function excludeDays(
  client: TroovClient,
  req: { teamId: string; serviceId: string; sessionId: string; profile: TroovProfile; window: { start: string; end: string } },
): Promise<string[]> {
  // 2026 sends no dates and `true`; spring 2022 sent local dates and a count of 1 (research/troov.md §1.10).
  const body =
    req.profile === 'current'
      ? { session: { [req.serviceId]: true }, sessionId: req.sessionId }
      : {
          start: `${req.window.start}T00:00:00`,
          end: `${req.window.end}T23:59:59`,
          session: { [req.serviceId]: 1 },
          sessionId: req.sessionId,
        };
  const days = (await client.json('POST', `/team/${req.teamId}/reservations/exclude-days`, TroovExcludedDays, { body })) as string[];
  return days.map((d) => d.slice(0, 10));
}

/** GET …/reservations/availability (`avaibility` before June 2022): the free times of one day. */
export async function availability(
  client: TroovClient,
  req: { teamId: string; serviceName: string; day: string; sessionId: string; profile: TroovProfile },
): Promise<TroovAvailability> {
  const segment = req.profile === '2022' ? 'avaibility' : 'availability';
  return (await client.json('GET', `/team/${req.teamId}/reservations/${segment}`, TroovAvailability, {
    query: { name: req.serviceName, date: req.day, places: '1', matching: '', maxCapacity: '1', sessionId: req.sessionId },
  })) as TroovAvailability;
}
