/**
 * The status page's stylesheet and script, served from /assets (no build step, no CDN; the
 * Content-Security-Policy allows scripts from this origin only). The script keeps the
 * server-rendered cards live from /v1/stream, building the same markup as `watchCard`.
 */

export const statusCss = `
:root { color-scheme: light dark; --fg: #1b1b1f; --muted: #5d5d66; --bg: #fafafa; --card: #fff; --line: #ddd; --ok: #0a7d32; --warn: #a05a00; --bad: #b3261e; }
@media (prefers-color-scheme: dark) { :root { --fg: #eee; --muted: #aaa; --bg: #121214; --card: #1d1d21; --line: #333; --ok: #4cc37a; --warn: #e0a040; --bad: #ff7a70; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 48rem; padding: 1rem; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
h1 { margin: 0.2rem 0; font-size: 1.6rem; }
h2 { margin: 0 0 0.3rem; font-size: 1.15rem; }
a { color: inherit; }
.intro, .meta, .bar, .more { color: var(--muted); }
.meta, .more, .links { font-size: 0.9rem; margin: 0.3rem 0; }
.watch { background: var(--card); border: 1px solid var(--line); border-left: 6px solid var(--line); border-radius: 8px; padding: 0.8rem 1rem; margin: 0.8rem 0; }
.watch.state-available { border-left-color: var(--ok); }
.watch.state-none { border-left-color: var(--muted); }
.watch.state-unknown { border-left-color: var(--warn); }
.badge { font-weight: 600; }
.state-available .badge { color: var(--ok); }
.state-unknown .badge { color: var(--warn); }
.slots { list-style: none; padding: 0; margin: 0.4rem 0; display: flex; flex-wrap: wrap; gap: 0.4rem; }
.slots li { border: 1px solid var(--ok); color: var(--ok); border-radius: 6px; padding: 0.15rem 0.5rem; font-variant-numeric: tabular-nums; }
.slots li.new { animation: flash 2s ease-out; }
@keyframes flash { from { background: var(--ok); color: var(--card); } }
.source-stale, .source-error, .source-pending { color: var(--warn); }
.source-blocked, .source-rate_limited, .source-auth_failed { color: var(--bad); }
.live[data-state="open"] { color: var(--ok); }
.live[data-state="closed"] { color: var(--warn); }
#follow { border-top: 1px solid var(--line); margin-top: 1.5rem; padding-top: 0.5rem; }
form label { display: block; margin: 0.4rem 0; }
input, select, button { font: inherit; padding: 0.45rem; max-width: 100%; }
input[type=email] { width: 100%; }
button { cursor: pointer; }
`;

export const statusJs = `'use strict';
(function () {
  var T = JSON.parse(document.getElementById('texts').textContent);
  var LISTED = 12;
  var main = document.getElementById('watches');
  var live = document.getElementById('live');

  function fill(s, k, v) { return s.replace('{' + k + '}', v); }
  function dur(sec) {
    var s = Math.max(0, Math.round(sec));
    if (s < 90) return s + ' s';
    if (s < 5400) return Math.round(s / 60) + ' min';
    if (s < 129600) return Math.round(s / 3600) + ' h';
    return Math.round(s / 86400) + (T.lang === 'fr' ? ' j' : ' d');
  }
  function slotTime(iso) {
    var m = /^(\\d{4})-(\\d\\d)-(\\d\\d)T(\\d\\d):(\\d\\d)/.exec(iso);
    if (!m) return iso;
    var day = new Intl.DateTimeFormat(T.lang === 'fr' ? 'fr-FR' : 'en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })
      .format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
    return day + ', ' + m[4] + ':' + m[5];
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function slotItem(slot) {
    var li = el('li', { 'data-key': slot.key, 'data-starts-at': slot.startsAt });
    li.appendChild(el('time', { datetime: slot.startsAt }, slotTime(slot.startsAt)));
    return li;
  }
  function ageText(card) {
    var at = card.getAttribute('data-checked-at');
    return at ? T.checked + ' ' + fill(T.ago, 's', dur((Date.now() - Date.parse(at)) / 1000)) : T.neverChecked;
  }
  function refreshCard(card) {
    var items = card.querySelectorAll('.slots li');
    var count = Math.max(items.length, +card.getAttribute('data-open-count') || 0);
    if (items.length === 0) count = 0;
    card.setAttribute('data-open-count', count);
    var state = count > 0 ? 'available' : card.getAttribute('data-state') === 'available' ? 'none' : card.getAttribute('data-state');
    card.setAttribute('data-state', state);
    card.className = 'watch state-' + state;
    card.querySelector('.badge').textContent = T[state];
    card.querySelector('.count').textContent = count === 0 ? T.noSlots : count === 1 ? T.one : fill(T.many, 'n', count);
    var more = card.querySelector('.more');
    more.hidden = count <= items.length;
    more.textContent = fill(T.more, 'n', count - items.length);
    card.querySelector('.age').textContent = ageText(card);
  }
  function buildCard(w) {
    var card = el('article', { 'class': 'watch state-' + w.state, id: 'watch-' + w.id, 'data-watch-id': w.id, 'data-state': w.state,
      'data-checked-at': w.lastAttemptAt || '', 'data-open-count': w.openCount });
    card.appendChild(el('h2', {}, w.name));
    var state = el('p', { 'class': 'state' });
    state.appendChild(el('span', { 'class': 'badge' }));
    state.appendChild(document.createTextNode(' '));
    state.appendChild(el('span', { 'class': 'count' }));
    card.appendChild(state);
    var meta = el('p', { 'class': 'meta' });
    meta.appendChild(el('span', { 'class': 'age' }));
    meta.appendChild(document.createTextNode(' · '));
    meta.appendChild(el('span', { 'class': 'source source-' + w.source }, T.source[w.source] || w.source));
    if (w.timezone) { meta.appendChild(document.createTextNode(' · ')); meta.appendChild(el('span', { 'class': 'zone' }, w.timezone)); }
    if (w.medianOpenSeconds !== null) { meta.appendChild(document.createTextNode(' · ')); meta.appendChild(el('span', { 'class': 'lifetime' }, fill(T.lifetime, 's', dur(w.medianOpenSeconds)))); }
    card.appendChild(meta);
    var ul = el('ul', { 'class': 'slots' });
    w.openSlots.slice(0, LISTED).forEach(function (s) { ul.appendChild(slotItem(s)); });
    card.appendChild(ul);
    card.appendChild(el('p', { 'class': 'more' }));
    var links = el('p', { 'class': 'links' });
    if (w.bookingUrl) { links.appendChild(el('a', { 'class': 'book', href: w.bookingUrl, rel: 'noopener' }, T.book)); links.appendChild(document.createTextNode(' · ')); }
    links.appendChild(el('a', { href: '/feeds/watches/' + w.id + '.atom?lang=' + T.lang }, T.feedOne));
    if (w.xAccounts.length) links.appendChild(document.createTextNode(' · ' + T.followX + ': ' + w.xAccounts.join(', ')));
    card.appendChild(links);
    refreshCard(card);
    if (w.state !== 'available') { card.setAttribute('data-state', w.state); card.className = 'watch state-' + w.state; card.querySelector('.badge').textContent = T[w.state]; }
    return card;
  }
  function applySnapshot(snapshot) {
    var seen = {};
    var empty = main.querySelector('.empty');
    snapshot.watches.forEach(function (w, i) {
      seen[w.id] = true;
      var old = document.getElementById('watch-' + w.id);
      var card = buildCard(w);
      if (old) {
        old.replaceWith(card);
      } else {
        if (empty) { empty.remove(); empty = null; }
        var before = main.children[i] || null;
        main.insertBefore(card, before);
      }
    });
    Array.prototype.forEach.call(main.querySelectorAll('.watch'), function (card) {
      if (!seen[card.getAttribute('data-watch-id')]) card.remove();
    });
  }
  function applyEvent(e) {
    var card = document.getElementById('watch-' + e.watchId);
    if (!card || !e.slot) return;
    var ul = card.querySelector('.slots');
    var existing = ul.querySelector('li[data-key="' + CSS.escape(e.slot.key) + '"]');
    if (e.observedAt) card.setAttribute('data-checked-at', e.observedAt);
    var count = +card.getAttribute('data-open-count') || 0;
    if (e.type === 'slot.opened' && !existing) {
      card.setAttribute('data-open-count', count + 1);
      var li = slotItem(e.slot);
      li.className = 'new';
      var after = Array.prototype.find.call(ul.children, function (c) { return c.getAttribute('data-starts-at') > e.slot.startsAt; });
      ul.insertBefore(li, after || null);
      while (ul.children.length > LISTED) ul.lastElementChild.remove();
    } else if (e.type === 'slot.closed') {
      card.setAttribute('data-open-count', Math.max(0, count - 1));
      if (existing) existing.remove();
    }
    refreshCard(card);
  }

  function connect() {
    if (!window.EventSource) return;
    var source = new EventSource('/v1/stream');
    source.addEventListener('open', function () { live.setAttribute('data-state', 'open'); live.textContent = '● ' + T.live; });
    source.addEventListener('error', function () { live.setAttribute('data-state', 'closed'); live.textContent = T.offline; });
    source.addEventListener('snapshot', function (m) { applySnapshot(JSON.parse(m.data)); });
    source.addEventListener('slot.opened', function (m) { applyEvent(JSON.parse(m.data)); });
    source.addEventListener('slot.closed', function (m) { applyEvent(JSON.parse(m.data)); });
  }
  connect();
  setInterval(function () {
    Array.prototype.forEach.call(main.querySelectorAll('.watch'), function (card) { card.querySelector('.age').textContent = ageText(card); });
  }, 5000);

  var form = document.getElementById('subscribe');
  var result = document.getElementById('subscribe-result');
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var data = new FormData(form);
    var body = { email: String(data.get('email') || ''), language: T.lang };
    var watchId = String(data.get('watchId') || '');
    if (watchId) body.watchIds = [watchId];
    try { body.timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { /* optional */ }
    result.textContent = '…';
    fetch(form.getAttribute('action'), { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (answer) {
          if (res.ok) { result.textContent = T.emailSent; result.className = 'ok'; form.reset(); }
          else { result.textContent = T.emailFailed + ': ' + (answer.detail || res.status); result.className = 'failed'; }
        });
      })
      .catch(function (err) { result.textContent = T.emailFailed + ': ' + err.message; result.className = 'failed'; });
  });
})();
`;
