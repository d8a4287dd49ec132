/** TROOV's booking window; the zone arithmetic itself lives in provider-core. */
import { addDays, localDay, localTime } from '@slotwatch/provider-core';

export {
  addDays,
  daysBetween,
  isDay,
  isoWithOffset,
  localDay,
  localTime,
  offsetMinutes,
  weekday,
  zonedInstant,
  zonedIso,
} from '@slotwatch/provider-core';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export interface DynamicCalendar {
  begin: { type?: string; value: number };
  end: { type?: string; value: number };
}

/**
 * The window TROOV offers: today + begin … today + end days, where the newest day is released at
 * `dynamic_calendar_opening` local time (research/troov.md §1.4, §6). Before that time the window ends
 * one day earlier.
 */
export function bookingWindow(
  calendar: DynamicCalendar,
  opening: { hour: string | number; minute: string | number } | undefined,
  timeZone: string,
  now: Date,
): { start: string; end: string } {
  const today = localDay(now, timeZone);
  let end = addDays(today, calendar.end.value);
  const hour = Number(opening?.hour);
  const minute = Number(opening?.minute);
  if (Number.isFinite(hour)) {
    const release = `${pad(hour)}:${pad(Number.isFinite(minute) ? minute : 0)}`;
    if (localTime(now, timeZone) < release) end = addDays(end, -1);
  }
  return { start: addDays(today, calendar.begin.value), end };
}
