/**
 * Public email alerts, no API key (issue 6): subscribe with double opt-in, confirm, and one-click
 * unsubscribe (RFC 8058). Tokens are 32 random bytes (base64url); only their SHA-256 finds a row,
 * and the sealed copy is for the notifier, which sends every mail (the api sends none: it records
 * the request and wakes the notifier with NOTIFY slotwatch_mail).
 * Answers never tell whether an address is known. GET never unsubscribes (mail scanners follow links).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { sha256, type Db, type SecretBox } from '@slotwatch/db';
import Type from 'typebox';
import type { AppDeps } from './app';
import { badField } from './problem';

const HHMM = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'Local time, HH:MM (24 h).' });
const Day = Type.String({ format: 'date', description: 'A day, YYYY-MM-DD (the slot’s local day).' });

const SubscribeBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254, description: 'Where alerts go; gets a confirmation link first.' }),
    watchIds: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 100, uniqueItems: true, description: 'Public watches to follow; all public watches when absent.' })),
    from: Type.Optional(Day),
    to: Type.Optional(Day),
    earliestTime: Type.Optional(HHMM),
    quietHours: Type.Optional(Type.Object({ start: HHMM, end: HHMM }, { additionalProperties: false, description: 'No alerts between these local times; a digest of what is still open follows.' })),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone of quietHours, e.g. Europe/Paris. Default UTC.' })),
    language: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('fr')])),
    minCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Alert only when a watch has at least this many open slots.' })),
    cooldownMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_080, description: 'At most one alert per watch in this many minutes.' })),
  },
  { additionalProperties: false },
);
const TokenQuery = Type.Object({ token: Type.String({ minLength: 20, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' }) }, { additionalProperties: false });

const CONFIRM_VALID_H = 48;
/** At most one confirmation mail per address in this many minutes (a form must not mail-bomb someone). */
const RESEND_AFTER_MIN = 5;

export async function subscriptionRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  // RFC 8058 one-click: the mail client POSTs "List-Unsubscribe=One-Click" as a form; the body says nothing more.
  for (const type of ['application/x-www-form-urlencoded', /^multipart\/form-data/]) {
    app.addContentTypeParser(type, { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => done(null, body));
  }

  typed.post('/v1/subscriptions', { schema: { body: SubscribeBody, tags: ['email'], summary: 'Ask for email alerts (a confirmation mail is sent first).' } }, async (request, reply) => {
    const input = request.body;
    const timeZone = input.timeZone ?? 'UTC';
    if (!isTimeZone(timeZone)) throw badField('timeZone', `timeZone ${JSON.stringify(timeZone)} is not an IANA time zone; write it like Europe/Paris or America/Montreal`);
    if (input.from && input.to && input.from > input.to) throw badField('to', `to (${input.to}) is before from (${input.from})`);
    // With an API key, the address may also follow that key's private watches (a BayIMCO citizen's).
    const owner = request.caller?.keyId ?? null;
    if (input.watchIds?.length) {
      const found = await deps.db<{ id: string }[]>`
        SELECT id FROM watches WHERE id = ANY(${deps.db.array(input.watchIds)}::uuid[])
          AND (visibility = 'public' OR (${owner}::text IS NOT NULL AND owner = ${owner}::text))`;
      const missing = input.watchIds.filter((id) => !found.some((f) => f.id === id));
      if (missing.length) throw badField('watchIds', `no public watch ${missing.join(', ')}: list them with GET /v1/watches (private watches only with their owner's API key)`);
    }
    const settings = {
      language: input.language ?? 'en',
      timeZone,
      filter: { ...(input.watchIds && { watchIds: input.watchIds }), ...(input.from && { from: input.from }), ...(input.to && { to: input.to }), ...(input.earliestTime && { earliestTime: input.earliestTime }) },
      quietHours: input.quietHours ?? null,
      minCount: input.minCount ?? 1,
      cooldownS: (input.cooldownMinutes ?? 0) * 60,
      ownerKeyId: owner,
    };
    await requestConfirmation(deps.db, deps.secrets, input.email, settings);
    return reply.status(202).send({
      status: 'pending',
      detail: 'If this address can receive mail, a confirmation link is on its way (valid 48 hours). Nothing else is sent before it is confirmed.',
    });
  });

  typed.get('/v1/subscriptions/confirm', { schema: { querystring: TokenQuery, tags: ['email'], summary: 'Confirm a subscription (the link in the confirmation mail).' } }, async (request, reply) => {
    const done = await confirm(deps.db, request.query.token);
    if (!done) return page(reply, 410, 'en', 'Link not valid', 'This confirmation link is unknown, expired or already used. Subscribe again to get a new one.');
    const t = TEXT[done.language];
    const unsubscribe = `/v1/subscriptions/unsubscribe?token=${encodeURIComponent(deps.secrets.open(done.unsubscribeSealed))}`;
    return page(reply, 200, done.language, t.confirmedTitle, `${t.confirmed} <a href="${unsubscribe}">${t.unsubscribeLink}</a>`);
  });

  typed.get('/v1/subscriptions/unsubscribe', { schema: { querystring: TokenQuery, tags: ['email'], summary: 'The unsubscribe page (a button; GET changes nothing).' } }, async (request, reply) => {
    const sub = await bySubscriberToken(deps.db, request.query.token);
    if (!sub) return page(reply, 404, 'en', 'Link not valid', 'This unsubscribe link is unknown.');
    const t = TEXT[sub.language];
    const action = `/v1/subscriptions/unsubscribe?token=${encodeURIComponent(request.query.token)}`;
    return page(reply, 200, sub.language, t.unsubscribeTitle, `<form method="post" action="${action}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">${t.unsubscribeButton}</button></form>`);
  });

  typed.post('/v1/subscriptions/unsubscribe', { schema: { querystring: TokenQuery, tags: ['email'], summary: 'Unsubscribe in one POST, no login (RFC 8058 List-Unsubscribe-Post).' } }, async (request, reply) => {
    const [sub] = await deps.db<{ language: 'en' | 'fr' }[]>`
      UPDATE email_subscribers SET unsubscribed_at = COALESCE(unsubscribed_at, now())
      WHERE unsubscribe_token_hash = ${sha256(request.query.token)} RETURNING language`;
    if (!sub) return page(reply, 404, 'en', 'Link not valid', 'This unsubscribe link is unknown.');
    return page(reply, 200, sub.language, TEXT[sub.language].unsubscribedTitle, TEXT[sub.language].unsubscribed);
  });
}

interface Settings {
  language: 'en' | 'fr';
  timeZone: string;
  filter: Record<string, unknown>;
  quietHours: { start: string; end: string } | null;
  minCount: number;
  cooldownS: number;
  /** The API key that asked (may follow its private watches); null for the public form. */
  ownerKeyId?: string | null;
}

/** Creates the subscriber if new (unconfirmed) and a single-use confirmation carrying the settings. */
async function requestConfirmation(db: Db, box: SecretBox, email: string, settings: Settings): Promise<void> {
  const unsubscribe = token();
  await db.begin(async (tx) => {
    const [sub] = await tx<{ id: string }[]>`
      INSERT INTO email_subscribers (email_sealed, email_hash, language, time_zone, unsubscribe_token_hash, unsubscribe_token_sealed)
      VALUES (${box.seal(email.trim())}, ${sha256(email.trim().toLowerCase())}, ${settings.language}, ${settings.timeZone}, ${sha256(unsubscribe)}, ${box.seal(unsubscribe)})
      ON CONFLICT (email_hash) DO UPDATE SET email_hash = EXCLUDED.email_hash
      RETURNING id`;
    const [recent] = await tx`
      SELECT 1 FROM email_confirmations
      WHERE subscriber_id = ${sub!.id} AND used_at IS NULL AND created_at > now() - make_interval(mins => ${RESEND_AFTER_MIN})`;
    if (recent) return;
    const confirm = token();
    await tx`
      INSERT INTO email_confirmations (subscriber_id, token_hash, token_sealed, settings, expires_at)
      VALUES (${sub!.id}, ${sha256(confirm)}, ${box.seal(confirm)}, ${tx.json(settings as never)}, now() + make_interval(hours => ${CONFIRM_VALID_H}))`;
    await tx`SELECT pg_notify('slotwatch_mail', '')`;
  });
}

/** Uses the token once and applies its settings; the subscription is live from now on. */
async function confirm(db: Db, value: string): Promise<{ language: 'en' | 'fr'; unsubscribeSealed: string } | undefined> {
  return db.begin(async (tx) => {
    const [used] = await tx<{ subscriber_id: string; settings: Settings }[]>`
      UPDATE email_confirmations SET used_at = now(), token_sealed = NULL
      WHERE token_hash = ${sha256(value)} AND used_at IS NULL AND expires_at > now()
      RETURNING subscriber_id, settings`;
    if (!used) return undefined;
    const s = used.settings;
    const [sub] = await tx<{ language: 'en' | 'fr'; unsubscribe_token_sealed: string }[]>`
      UPDATE email_subscribers SET confirmed_at = now(), unsubscribed_at = NULL, language = ${s.language}, time_zone = ${s.timeZone},
        filter = ${tx.json(s.filter as never)}, quiet_start = ${s.quietHours?.start ?? null}, quiet_end = ${s.quietHours?.end ?? null},
        min_count = ${s.minCount}, cooldown_s = ${s.cooldownS}, owner_key_id = ${s.ownerKeyId ?? null}
      WHERE id = ${used.subscriber_id}
      RETURNING language, unsubscribe_token_sealed`;
    return sub && { language: sub.language, unsubscribeSealed: sub.unsubscribe_token_sealed };
  });
}

async function bySubscriberToken(db: Db, value: string): Promise<{ language: 'en' | 'fr' } | undefined> {
  const [sub] = await db<{ language: 'en' | 'fr' }[]>`SELECT language FROM email_subscribers WHERE unsubscribe_token_hash = ${sha256(value)}`;
  return sub;
}

const token = () => randomBytes(32).toString('base64url');

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const TEXT = {
  en: {
    confirmedTitle: 'Your alerts are on',
    confirmed: 'Thank you: slot alerts will come to this address. Every mail has a one-click unsubscribe link, and so does this page:',
    unsubscribeLink: 'unsubscribe',
    unsubscribeTitle: 'Unsubscribe from slotwatch alerts',
    unsubscribeButton: 'Unsubscribe',
    unsubscribedTitle: 'You are unsubscribed',
    unsubscribed: 'No more alerts will be sent to this address.',
  },
  fr: {
    confirmedTitle: 'Vos alertes sont actives',
    confirmed: 'Merci : les alertes de créneaux arriveront à cette adresse. Chaque message porte un lien de désabonnement en un clic, cette page aussi :',
    unsubscribeLink: 'se désabonner',
    unsubscribeTitle: 'Se désabonner des alertes slotwatch',
    unsubscribeButton: 'Me désabonner',
    unsubscribedTitle: 'Vous êtes désabonné·e',
    unsubscribed: "Plus aucune alerte ne sera envoyée à cette adresse.",
  },
} as const;

function page(reply: FastifyReply, status: number, language: 'en' | 'fr', title: string, body: string): FastifyReply {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send(`<!doctype html><html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto"><h1>${title}</h1><p>${body}</p></body></html>`);
}
