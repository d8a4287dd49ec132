/**
 * One X post for a window of events: watch, slot times, booking link, the data's age, in the
 * account's language, never more than 280 characters as X counts them.
 *
 * X's count (twitter-text v3 config): after NFC normalisation, code points in
 * U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F and U+2032–U+2037 weigh 1, everything else 2, and
 * every URL weighs 23 (t.co). When the full post is too long, fewer times are listed ("+4 more"),
 * then fewer watches, and last the text is cut.
 */
export type Language = 'en' | 'fr';

export const MAX_POST_WEIGHT = 280;
const URL_WEIGHT = 23;
const LIGHT: ReadonlyArray<readonly [number, number]> = [[0, 4351], [8192, 8205], [8208, 8223], [8242, 8247]];

export function weightedLength(text: string): number {
  let weight = 0;
  const normalized = text.normalize('NFC').replace(/https?:\/\/\S+/g, () => {
    weight += URL_WEIGHT;
    return '';
  });
  for (const ch of normalized) {
    const cp = ch.codePointAt(0)!;
    weight += LIGHT.some(([lo, hi]) => cp >= lo && cp <= hi) ? 1 : 2;
  }
  return weight;
}

export interface PostGroup {
  watchName: string;
  bookingUrl?: string;
  /** Slot starts, ISO with the watch's offset. */
  slots: string[];
  /** When a check last confirmed these slots. */
  seenAt: Date;
}

export interface PostModel {
  language: Language;
  groups: PostGroup[];
  now: Date;
  /** Set when the posting budget ran low and this post sums up a longer stretch. */
  summaryMinutes?: number;
}

const T = {
  en: {
    newSlots: (n: number) => (n === 1 ? '1 new slot' : `${n} new slots`),
    more: (n: number) => `+${n} more`,
    moreWatches: (n: number) => `+${n} more ${n === 1 ? 'watch' : 'watches'}`,
    book: 'Book',
    seen: (ago: string, clock: string) => `Seen ${ago} ago (${clock})`,
    summary: (min: number) => `Summary, last ${min} min:`,
    locale: 'en-GB',
  },
  fr: {
    newSlots: (n: number) => (n === 1 ? '1 nouveau créneau' : `${n} nouveaux créneaux`),
    more: (n: number) => `+${n} autres`,
    moreWatches: (n: number) => `+${n} autre${n === 1 ? '' : 's'} suivi${n === 1 ? '' : 's'}`,
    book: 'Réserver',
    seen: (ago: string, clock: string) => `Vu il y a ${ago} (${clock})`,
    summary: (min: number) => `Récapitulatif des ${min} dernières min :`,
    locale: 'fr-FR',
  },
} as const;

export function composePost(m: PostModel): string {
  const groups = m.groups.filter((g) => g.slots.length > 0);
  const maxTimes = Math.max(1, ...groups.map((g) => g.slots.length));
  // Prefer every watch, then every link, then as many times as fit (the length grows with the
  // number of times listed, so a binary search finds the most that fit).
  for (let shownGroups = groups.length; shownGroups >= 1; shownGroups--) {
    for (const links of new Set([shownGroups, 1])) {
      const fits = (times: number) => weightedLength(build(m, groups, shownGroups, times, links)) <= MAX_POST_WEIGHT;
      if (!fits(1)) continue;
      let lo = 1;
      let hi = maxTimes;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (fits(mid)) lo = mid;
        else hi = mid - 1;
      }
      return build(m, groups, shownGroups, lo, links);
    }
  }
  return cut(build(m, groups, 1, 1, 1));
}

function build(m: PostModel, groups: PostGroup[], shownGroups: number, times: number, links: number): string {
  const t = T[m.language];
  const blocks = groups.slice(0, shownGroups).map((g, i) => {
    const lines = [`${g.watchName}: ${t.newSlots(g.slots.length)}`, timesLine(g.slots, times, m.language)];
    if (g.bookingUrl && i < links) lines.push(`${t.book}: ${g.bookingUrl}`);
    return lines.join('\n');
  });
  if (groups.length > shownGroups) blocks.push(t.moreWatches(groups.length - shownGroups));
  const oldest = groups.reduce((a, g) => (g.seenAt < a.seenAt ? g : a), groups[0]!);
  const seen = t.seen(ago(oldest.seenAt, m.now), clockAt(oldest.seenAt, oldest.slots[0]));
  const head = m.summaryMinutes !== undefined ? [t.summary(m.summaryMinutes)] : [];
  return [...head, ...blocks, seen].join('\n\n');
}

function timesLine(slots: string[], limit: number, language: Language): string {
  const sorted = [...new Set(slots)].sort();
  const shown = sorted.slice(0, limit);
  const byDay = new Map<string, string[]>();
  for (const iso of shown) {
    const day = iso.slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), iso.slice(11, 16)]);
  }
  const line = [...byDay].map(([day, hours]) => `${dayLabel(day, language)} ${hours.join(', ')}`).join(' · ');
  return sorted.length > shown.length ? `${line} ${T[language].more(sorted.length - shown.length)}` : line;
}

const dayFormats = new Map<Language, Intl.DateTimeFormat>();

function dayLabel(day: string, language: Language): string {
  const [y, mo, d] = day.split('-').map(Number) as [number, number, number];
  let format = dayFormats.get(language);
  if (!format) {
    format = new Intl.DateTimeFormat(T[language].locale, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
    dayFormats.set(language, format);
  }
  return format.format(new Date(Date.UTC(y, mo - 1, d)));
}

function ago(seenAt: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - seenAt.getTime()) / 1000));
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

/** Wall-clock time of `instant` at the offset of `zonedIso` (the watch's zone). */
function clockAt(instant: Date, zonedIso: string | undefined): string {
  const m = /([+-])(\d\d):(\d\d)$/.exec(zonedIso ?? '');
  const offsetMin = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  return new Date(instant.getTime() + offsetMin * 60_000).toISOString().slice(11, 16);
}

function cut(text: string): string {
  let out = text;
  while (weightedLength(out) > MAX_POST_WEIGHT - 1) out = [...out].slice(0, -1).join('');
  return `${out}…`;
}
