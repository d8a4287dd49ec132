/** The status page, feeds and their scripts in French and English. */
export type Lang = 'en' | 'fr';

export const texts = {
  en: {
    title: 'slotwatch — free appointment slots',
    intro: 'Free appointment slots seen by slotwatch, updated live. Times are in each office\'s own time zone.',
    noWatches: 'No public watches yet.',
    available: 'Slots open',
    none: 'No slots',
    unknown: 'Unknown',
    openSlots: (n: number) => (n === 1 ? '1 open slot' : `${n} open slots`),
    moreSlots: (n: number) => `and ${n} more`,
    noSlots: 'Nothing open right now.',
    checked: 'checked',
    neverChecked: 'not checked yet',
    ago: (s: string) => `${s} ago`,
    source: {
      ok: 'source answering', stale: 'data is stale', blocked: 'blocked by the source', rate_limited: 'rate-limited by the source',
      auth_failed: 'login to the source failing', error: 'source answering with errors', pending: 'first check pending',
    } as Record<string, string>,
    lifetime: (s: string) => `slots here usually last ${s}`,
    book: 'Book',
    follow: 'Follow',
    followX: 'On X',
    feeds: 'Feeds',
    feedAll: 'Atom feed of every watch',
    feedOne: 'Atom feed',
    emailTitle: 'Email alerts',
    emailLabel: 'Your email address',
    emailWhich: 'Watches',
    emailAll: 'every watch',
    emailSubmit: 'Alert me',
    emailSent: 'Check your inbox: we sent a link to confirm.',
    emailFailed: 'That did not work',
    live: 'live',
    offline: 'reconnecting…',
    api: 'API for integrators',
    lang: 'Français',
    opened: 'Slot open',
    closed: 'Slot taken',
    feedTitleAll: 'slotwatch: every public watch',
    feedTitleOne: (name: string) => `slotwatch: ${name}`,
  },
  fr: {
    title: 'slotwatch — créneaux de rendez-vous libres',
    intro: 'Les créneaux de rendez-vous libres vus par slotwatch, mis à jour en direct. Les heures sont celles du fuseau de chaque bureau.',
    noWatches: 'Aucune veille publique pour l\'instant.',
    available: 'Créneaux ouverts',
    none: 'Aucun créneau',
    unknown: 'Inconnu',
    openSlots: (n: number) => (n === 1 ? '1 créneau ouvert' : `${n} créneaux ouverts`),
    moreSlots: (n: number) => `et ${n} de plus`,
    noSlots: 'Rien d\'ouvert pour l\'instant.',
    checked: 'vérifié',
    neverChecked: 'pas encore vérifié',
    ago: (s: string) => `il y a ${s}`,
    source: {
      ok: 'la source répond', stale: 'données périmées', blocked: 'bloqué par la source', rate_limited: 'limité par la source',
      auth_failed: 'connexion à la source en échec', error: 'la source répond en erreur', pending: 'première vérification en attente',
    } as Record<string, string>,
    lifetime: (s: string) => `les créneaux ici durent en général ${s}`,
    book: 'Réserver',
    follow: 'Suivre',
    followX: 'Sur X',
    feeds: 'Flux',
    feedAll: 'Flux Atom de toutes les veilles',
    feedOne: 'Flux Atom',
    emailTitle: 'Alertes par e-mail',
    emailLabel: 'Votre adresse e-mail',
    emailWhich: 'Veilles',
    emailAll: 'toutes les veilles',
    emailSubmit: 'M\'alerter',
    emailSent: 'Regardez votre boîte : nous avons envoyé un lien de confirmation.',
    emailFailed: 'Cela n\'a pas marché',
    live: 'en direct',
    offline: 'reconnexion…',
    api: 'API pour les intégrateurs',
    lang: 'English',
    opened: 'Créneau ouvert',
    closed: 'Créneau pris',
    feedTitleAll: 'slotwatch : toutes les veilles publiques',
    feedTitleOne: (name: string) => `slotwatch : ${name}`,
  },
};
export type Texts = (typeof texts)['en'];

/** `?lang=` wins; else the first of fr/en in Accept-Language (by q); else English. */
export function pickLang(query: unknown, acceptLanguage: string | undefined): Lang {
  if (query === 'fr' || query === 'en') return query;
  const ranked = (acceptLanguage ?? '')
    .slice(0, 500)
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = Number(params.find((p) => p.trim().startsWith('q='))?.split('=')[1] ?? '1');
      return { lang: tag.split('-')[0], q: Number.isFinite(q) ? q : 0 };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q);
  const hit = ranked.find((x) => x.lang === 'fr' || x.lang === 'en');
  return (hit?.lang as Lang | undefined) ?? 'en';
}

/** "40 s", "5 min", "2 h", "3 d" — short and the same in both languages (fr uses "j"). */
export function duration(seconds: number, lang: Lang): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} ${lang === 'fr' ? 'j' : 'd'}`;
}

/**
 * A slot's start in the watch's own zone, read from its ISO string with offset (the differ keeps
 * the local wall time): "Tue 24 Nov 2026, 09:15" / "mar. 24 nov. 2026, 09:15".
 */
export function slotTime(startsAt: string, lang: Lang): string {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(startsAt);
  if (!m) return startsAt;
  const [, y, mo, d, h, mi] = m;
  const day = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })
    .format(new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d))));
  return `${day}, ${h}:${mi}`;
}

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
