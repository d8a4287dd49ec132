/**
 * Slot times as people read them, in the watch's own zone: a slot's `startsAt` carries the offset
 * of that zone (`2026-12-01T09:15:00-05:00`), so its wall time is read off the string, never
 * converted to the server's zone.
 */
export type Language = 'en' | 'fr';

const LOCALES: Record<Language, string> = { en: 'en-GB', fr: 'fr-FR' };

export interface SlotDay {
  /** `Tue 1 Dec` / `mar. 1 déc.` */
  label: string;
  /** `09:15`, in start order. */
  times: string[];
}

/** Groups slot starts by local day, both in order. */
export function slotDays(startsAt: readonly string[], language: Language): SlotDay[] {
  const byDay = new Map<string, Set<string>>();
  for (const iso of [...startsAt].sort()) {
    const day = iso.slice(0, 10);
    if (!byDay.has(day)) byDay.set(day, new Set());
    byDay.get(day)!.add(iso.slice(11, 16));
  }
  return [...byDay].map(([day, times]) => ({ label: dayLabel(day, language), times: [...times] }));
}

const dayFormats = new Map<Language, Intl.DateTimeFormat>();

export function dayLabel(day: string, language: Language): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  let format = dayFormats.get(language);
  if (!format) {
    format = new Intl.DateTimeFormat(LOCALES[language], { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
    dayFormats.set(language, format);
  }
  return format.format(new Date(Date.UTC(y, m - 1, d)));
}

/** `12 s`, `4 min`, `3 h`: how old the data is. */
export function age(seenAt: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - seenAt.getTime()) / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** `14:05:12` at the offset of `zonedIso` (the watch's zone). */
export function clockAt(instant: Date, zonedIso: string | undefined): string {
  const m = /([+-])(\d\d):(\d\d)$/.exec(zonedIso ?? '');
  const offsetMin = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  return new Date(instant.getTime() + offsetMin * 60_000).toISOString().slice(11, 19);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
