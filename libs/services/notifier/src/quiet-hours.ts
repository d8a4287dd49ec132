/**
 * A subscriber's quiet hours, `HH:MM`–`HH:MM` in their own IANA time zone (may wrap midnight,
 * e.g. 22:00–07:00). Perishable slot alerts are dropped inside them; when they end, a "still open
 * now" digest is sent. Daylight-saving gaps are handled by resolving wall times through the zone's
 * offset at that instant (twice, so the answer is stable across a transition).
 */
export interface QuietHours {
  start: string;
  end: string;
  timeZone: string;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Wall-clock parts of `instant` in `timeZone`. */
function wallClock(instant: Date, timeZone: string): { y: number; m: number; d: number; minute: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return { y: Number(parts.year), m: Number(parts.month), d: Number(parts.day), minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

function offsetMs(instant: Date, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const asUtc = Date.UTC(w.y, w.m - 1, w.d, Math.floor(w.minute / 60), w.minute % 60);
  return asUtc - Math.floor(instant.getTime() / 60_000) * 60_000;
}

/** The instant of local `y-m-d minute` in `timeZone`. */
function zonedInstant(y: number, m: number, d: number, minute: number, timeZone: string): Date {
  const guess = Date.UTC(y, m - 1, d, Math.floor(minute / 60), minute % 60);
  const first = guess - offsetMs(new Date(guess), timeZone);
  return new Date(guess - offsetMs(new Date(first), timeZone));
}

export function inQuietHours(now: Date, q: QuietHours): boolean {
  const start = minutes(q.start);
  const end = minutes(q.end);
  if (start === end) return false;
  const t = wallClock(now, q.timeZone).minute;
  return start < end ? t >= start && t < end : t >= start || t < end;
}

/** When the quiet hours that contain `now` end (call only inside them). */
export function quietHoursEnd(now: Date, q: QuietHours): Date {
  const w = wallClock(now, q.timeZone);
  const end = minutes(q.end);
  const today = zonedInstant(w.y, w.m, w.d, end, q.timeZone);
  if (today.getTime() > now.getTime()) return today;
  const tomorrow = new Date(Date.UTC(w.y, w.m - 1, w.d + 1));
  return zonedInstant(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth() + 1, tomorrow.getUTCDate(), end, q.timeZone);
}

/** True for a zone name the runtime knows (`Europe/Paris`, `America/Montreal`, `UTC`). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
