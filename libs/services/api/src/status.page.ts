import type { PublicWatch } from './public.repository';
import { duration, escapeHtml as x, slotTime, texts, type Lang } from './status.i18n';

/** Slots listed per watch on the page; the rest are counted. */
export const SLOTS_LISTED = 12;

/** The strings the page script needs, with {n}/{s} placeholders (it renders the same markup). */
export function clientTexts(lang: Lang): Record<string, unknown> {
  const t = texts[lang];
  return {
    lang, available: t.available, none: t.none, unknown: t.unknown, one: t.openSlots(1), many: t.openSlots(99).replace('99', '{n}'),
    more: t.moreSlots(99).replace('99', '{n}'), noSlots: t.noSlots, checked: t.checked, neverChecked: t.neverChecked, ago: t.ago('{s}'),
    source: t.source, lifetime: t.lifetime('{s}'), book: t.book, feedOne: t.feedOne, followX: t.followX, live: t.live, offline: t.offline,
    emailSent: t.emailSent, emailFailed: t.emailFailed,
  };
}

const xLink = (name: string): string => {
  const handle = /^@?([A-Za-z0-9_]{1,15})$/.exec(name)?.[1];
  return handle ? `<a href="https://x.com/${handle}" rel="noopener">@${x(handle)}</a>` : x(name);
};

/** One watch's card; the page script builds the same markup from the SSE snapshot. */
export function watchCard(w: PublicWatch, lang: Lang, now = Date.now()): string {
  const t = texts[lang];
  const state = w.state === 'available' ? t.available : w.state === 'none' ? t.none : t.unknown;
  const count = w.openCount === 0 ? t.noSlots : t.openSlots(w.openCount);
  const listed = w.openSlots.slice(0, SLOTS_LISTED);
  const age = w.lastAttemptAt ? `${t.checked} ${t.ago(duration((now - Date.parse(w.lastAttemptAt)) / 1000, lang))}` : t.neverChecked;
  const links = [
    w.bookingUrl ? `<a class="book" href="${x(w.bookingUrl)}" rel="noopener">${x(t.book)}</a>` : '',
    `<a href="/feeds/watches/${w.id}.atom?lang=${lang}">${x(t.feedOne)}</a>`,
    w.xAccounts.length ? `${x(t.followX)}: ${w.xAccounts.map(xLink).join(', ')}` : '',
  ].filter(Boolean);
  return `<article class="watch state-${w.state}" id="watch-${w.id}" data-watch-id="${w.id}" data-state="${w.state}" data-checked-at="${x(w.lastAttemptAt ?? '')}" data-open-count="${w.openCount}">
  <h2>${x(w.name)}</h2>
  <p class="state"><span class="badge">${x(state)}</span> <span class="count">${x(count)}</span></p>
  <p class="meta"><span class="age">${x(age)}</span> · <span class="source source-${w.source}">${x(t.source[w.source] ?? w.source)}</span>${
    w.timezone ? ` · <span class="zone">${x(w.timezone)}</span>` : ''}${
    w.medianOpenSeconds !== null ? ` · <span class="lifetime">${x(t.lifetime(duration(w.medianOpenSeconds, lang)))}</span>` : ''}</p>
  <ul class="slots">${listed.map((s) => `<li data-key="${x(s.key)}" data-starts-at="${x(s.startsAt)}"><time datetime="${x(s.startsAt)}">${x(slotTime(s.startsAt, lang))}</time></li>`).join('')}</ul>
  <p class="more"${w.openCount > listed.length ? '' : ' hidden'}>${x(t.moreSlots(w.openCount - listed.length))}</p>
  <p class="links">${links.join(' · ')}</p>
</article>`;
}

/** The whole page: readable without the script; the script keeps it live over /v1/stream. */
export function statusPage(watches: PublicWatch[], lang: Lang, now = Date.now()): string {
  const t = texts[lang];
  const other: Lang = lang === 'fr' ? 'en' : 'fr';
  // JSON in a data block is not executed; escape "<" so no "</script>" can end it early.
  const data = JSON.stringify(clientTexts(lang)).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${x(t.title)}</title>
<link rel="stylesheet" href="/assets/status.css">
<link rel="alternate" type="application/atom+xml" title="${x(t.feedAll)}" href="/feeds/all.atom?lang=${lang}">
</head>
<body>
<header>
  <h1>slotwatch</h1>
  <p class="intro">${x(t.intro)}</p>
  <p class="bar"><a href="?lang=${other}" hreflang="${other}">${x(t.lang)}</a> · <span id="live" class="live" data-state="connecting">…</span></p>
</header>
<main id="watches">
${watches.length ? watches.map((w) => watchCard(w, lang, now)).join('\n') : `<p class="empty">${x(t.noWatches)}</p>`}
</main>
<section id="follow">
  <h2>${x(t.follow)}</h2>
  <form id="subscribe" method="post" action="/v1/subscriptions">
    <h3>${x(t.emailTitle)}</h3>
    <label>${x(t.emailLabel)} <input type="email" name="email" required autocomplete="email" maxlength="254"></label>
    <label>${x(t.emailWhich)} <select name="watchId"><option value="">${x(t.emailAll)}</option>${watches.map((w) => `<option value="${w.id}">${x(w.name)}</option>`).join('')}</select></label>
    <input type="hidden" name="language" value="${lang}">
    <button type="submit">${x(t.emailSubmit)}</button>
    <p id="subscribe-result" role="status"></p>
  </form>
  <p>${x(t.feeds)}: <a href="/feeds/all.atom?lang=${lang}">${x(t.feedAll)}</a></p>
  <p><a href="/docs">${x(t.api)}</a></p>
</section>
<script type="application/json" id="texts">${data}</script>
<script src="/assets/status.js" defer></script>
</body>
</html>
`;
}
