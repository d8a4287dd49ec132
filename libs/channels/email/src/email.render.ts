/**
 * The mails, as text and HTML, in the subscriber's language (en, fr). Every alert says which
 * slots, where to book, and how old the data is; every alert ends with a one-click unsubscribe link.
 */
import { age, clockAt, escapeHtml, slotDays, type Language } from './email.format';

export interface AlertGroup {
  watchName: string;
  bookingUrl?: string;
  /** The slots to announce (still open when the mail is built), ISO with the watch's offset. */
  slots: string[];
  /** Slots of this watch open now that match the subscriber's filters (≥ slots.length). */
  openCount: number;
  /** When a check last confirmed this watch's slots. */
  seenAt: Date;
  /** The upstream holds the slot for this person until then (BayIMCO: ten minutes), ISO with offset. */
  heldUntil?: string;
  /** Facts worth a line, e.g. the vaccine and the site. */
  details?: string[];
}

export interface AlertMailModel {
  language: Language;
  /** `alerts`: new slots; `still-open`: what is still open when quiet hours end. */
  kind: 'alerts' | 'still-open';
  groups: AlertGroup[];
  now: Date;
  unsubscribeUrl: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const T = {
  en: {
    newSlots: (n: number) => (n === 1 ? '1 new slot' : `${n} new slots`),
    stillOpen: (n: number) => (n === 1 ? '1 slot still open' : `${n} slots still open`),
    openNow: (n: number) => `${n} open now`,
    book: 'Book',
    held: (clock: string) => `Held for you until ${clock}: confirm it in the booking system before then, or it goes to someone else.`,
    seen: (ago: string, clock: string) => `Checked ${ago} before this mail (${clock}, the watch's local time). Slots go fast: it may be gone already.`,
    stillOpenIntro: 'Your quiet hours are over. These slots are still open now:',
    footer: 'You get this because you subscribed to slotwatch alerts.',
    unsubscribe: 'Unsubscribe (one click)',
    confirmSubject: 'Confirm your slotwatch alerts',
    confirmBody: 'Someone, hopefully you, asked for slot alerts at this address. Confirm with this link (valid 48 hours, once):',
    confirmIgnore: 'If it was not you, ignore this mail: nothing will be sent.',
    confirmButton: 'Confirm my alerts',
  },
  fr: {
    newSlots: (n: number) => (n === 1 ? '1 nouveau créneau' : `${n} nouveaux créneaux`),
    stillOpen: (n: number) => (n === 1 ? '1 créneau encore libre' : `${n} créneaux encore libres`),
    openNow: (n: number) => `${n} libres en ce moment`,
    book: 'Réserver',
    held: (clock: string) => `Réservé pour vous jusqu'à ${clock} : confirmez-le dans le système de réservation avant, sinon il passe à quelqu'un d'autre.`,
    seen: (ago: string, clock: string) => `Vérifié ${ago} avant l'envoi (${clock}, heure locale du suivi). Les créneaux partent vite : il est peut-être déjà pris.`,
    stillOpenIntro: 'Vos heures de silence sont finies. Ces créneaux sont encore libres :',
    footer: 'Vous recevez ce message car vous êtes abonné·e aux alertes slotwatch.',
    unsubscribe: 'Se désabonner (un clic)',
    confirmSubject: 'Confirmez vos alertes slotwatch',
    confirmBody: "Quelqu'un, vous sans doute, a demandé des alertes de créneaux à cette adresse. Confirmez avec ce lien (valable 48 heures, une seule fois) :",
    confirmIgnore: "Si ce n'était pas vous, ignorez ce message : rien ne sera envoyé.",
    confirmButton: 'Confirmer mes alertes',
  },
} as const;

export function renderAlertMail(m: AlertMailModel): RenderedMail {
  const t = T[m.language];
  const total = m.groups.reduce((n, g) => n + g.slots.length, 0);
  const count = m.kind === 'alerts' ? t.newSlots(total) : t.stillOpen(total);
  const names = m.groups.map((g) => g.watchName);
  const subject = `${count}: ${names.slice(0, 2).join(', ')}${names.length > 2 ? ` +${names.length - 2}` : ''}`;

  const text: string[] = m.kind === 'still-open' ? [t.stillOpenIntro, ''] : [];
  const html: string[] = m.kind === 'still-open' ? [`<p>${escapeHtml(t.stillOpenIntro)}</p>`] : [];
  for (const g of m.groups) {
    const heading = `${g.watchName} — ${m.kind === 'alerts' ? t.newSlots(g.slots.length) : t.stillOpen(g.slots.length)}${g.openCount > g.slots.length ? ` (${t.openNow(g.openCount)})` : ''}`;
    const days = slotDays(g.slots, m.language);
    const seen = t.seen(age(g.seenAt, m.now), clockAt(g.seenAt, g.slots[0]));
    const held = g.heldUntil ? t.held(g.heldUntil.slice(11, 16)) : undefined;
    text.push(heading, ...days.map((d) => `  ${d.label}: ${d.times.join(', ')}`), ...(g.details ?? []).map((d) => `  ${d}`));
    if (held) text.push(`  ${held}`);
    if (g.bookingUrl) text.push(`  ${t.book}: ${g.bookingUrl}`);
    text.push(`  ${seen}`, '');
    html.push(
      `<h2 style="font-size:16px;margin:16px 0 4px">${escapeHtml(heading)}</h2>`,
      `<ul style="margin:0 0 4px">${days.map((d) => `<li><strong>${escapeHtml(d.label)}</strong>: ${escapeHtml(d.times.join(', '))}</li>`).join('')}</ul>`,
      ...(g.details ?? []).map((d) => `<p style="margin:2px 0">${escapeHtml(d)}</p>`),
      held ? `<p style="margin:4px 0"><strong>${escapeHtml(held)}</strong></p>` : '',
      g.bookingUrl ? `<p style="margin:4px 0"><a href="${escapeHtml(g.bookingUrl)}">${escapeHtml(t.book)}</a></p>` : '',
      `<p style="margin:4px 0;color:#555;font-size:13px">${escapeHtml(seen)}</p>`,
    );
  }
  text.push('--', t.footer, `${t.unsubscribe}: ${m.unsubscribeUrl}`);
  html.push(
    `<hr><p style="color:#555;font-size:12px">${escapeHtml(t.footer)} <a href="${escapeHtml(m.unsubscribeUrl)}">${escapeHtml(t.unsubscribe)}</a></p>`,
  );
  return { subject, text: text.join('\n'), html: page(m.language, subject, html.join('\n')) };
}

export function renderConfirmationMail(m: { language: Language; confirmUrl: string }): RenderedMail {
  const t = T[m.language];
  const text = [t.confirmBody, '', m.confirmUrl, '', t.confirmIgnore].join('\n');
  const html = page(
    m.language,
    t.confirmSubject,
    [
      `<p>${escapeHtml(t.confirmBody)}</p>`,
      `<p><a href="${escapeHtml(m.confirmUrl)}" style="font-weight:bold">${escapeHtml(t.confirmButton)}</a></p>`,
      `<p style="color:#555;font-size:13px">${escapeHtml(t.confirmIgnore)}</p>`,
    ].join('\n'),
  );
  return { subject: t.confirmSubject, text, html };
}

function page(language: Language, title: string, body: string): string {
  return `<!doctype html><html lang="${language}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body style="font-family:system-ui,sans-serif;max-width:600px">${body}</body></html>`;
}
