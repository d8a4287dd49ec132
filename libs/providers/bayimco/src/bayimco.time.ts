/**
 * BayIMCO speaks in Bavarian wall-clock dates (`2021-04-12`, `14:35`); slotwatch in instants with an
 * offset. Intl only, no date library.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(epochMs: number, timeZone: string): [number, number, number, number, number, number] {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const x of f.formatToParts(new Date(epochMs))) if (x.type !== 'literal') p[x.type] = Number(x.value);
  return [p.year ?? 0, p.month ?? 0, p.day ?? 0, (p.hour ?? 0) % 24, p.minute ?? 0, p.second ?? 0];
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Offset of the zone from UTC at that instant, in minutes (Berlin in summer: 120). */
function offsetMinutes(epochMs: number, timeZone: string): number {
  const [y, mo, d, h, mi, s] = parts(epochMs, timeZone);
  return Math.round((Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(epochMs / 1000) * 1000) / 60_000);
}

/** The local day of an instant, `YYYY-MM-DD`. */
export function localDay(at: Date, timeZone: string): string {
  const [y, m, d] = parts(at.getTime(), timeZone);
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
}

/** ISO 8601 with the zone's offset at that instant, e.g. `2021-04-12T14:35:00+02:00`. */
export function isoWithOffset(at: Date, timeZone: string): string {
  const ms = at.getTime();
  const [y, mo, d, h, mi, s] = parts(ms, timeZone);
  const off = offsetMinutes(ms, timeZone);
  const abs = Math.abs(off);
  return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${off < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * A local day and `HH:MM[:SS]` time as ISO 8601 with the offset of that date (DST-safe). A time that
 * occurs twice takes the first; one inside the spring gap moves forward by the gap.
 */
export function zonedIso(day: string, time: string, timeZone: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  const asUtc = Date.UTC(y, m - 1, d, hh, mm);
  const before = offsetMinutes(asUtc - 86_400_000, timeZone);
  const after = offsetMinutes(asUtc + 86_400_000, timeZone);
  for (const at of [asUtc - before * 60_000, asUtc - after * 60_000].sort((a, b) => a - b)) {
    const [yy, mo, dd, h, mi] = parts(at, timeZone);
    if (yy === y && mo === m && dd === d && h === hh && mi === mm) return isoWithOffset(new Date(at), timeZone);
  }
  return isoWithOffset(new Date(asUtc - before * 60_000), timeZone);
}
