/**
 * X (Twitter) accounts, admin only (issue 6): one account posts the slots of one watch or a group of
 * watches. The user tokens are write-only: stored sealed (SLOTWATCH_SECRET_KEY), never answered.
 * The app key/secret come from TWITTER_APP_KEY / TWITTER_APP_SECRET; the notifier posts.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppDeps } from './app';
import { adminOnly } from './auth';
import { badField } from './problem';

const Token = Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' });
const AccountBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: 'A label, e.g. the account handle.' }),
    watchIds: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 500, uniqueItems: true, description: 'Public watches this account posts about.' }),
    language: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('fr')], { description: 'Language of the posts. Default en.' })),
    accessToken: Type.Optional(Token),
    accessSecret: Type.Optional(Token),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

interface AccountRow {
  id: string;
  name: string;
  watch_ids: string[];
  language: 'en' | 'fr';
  created_at: Date;
  updated_at: Date;
  disabled_at: Date | null;
  remaining: number | null;
  reset_at: Date | null;
  day_remaining: number | null;
  day_reset_at: Date | null;
  last_post_at: Date | null;
  last_error: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const view = (r: AccountRow) => ({
  id: r.id, name: r.name, watchIds: r.watch_ids, language: r.language, hasTokens: true,
  createdAt: iso(r.created_at), updatedAt: iso(r.updated_at), disabledAt: iso(r.disabled_at),
  budget: { remaining: r.remaining, resetAt: iso(r.reset_at), dayRemaining: r.day_remaining, dayResetAt: iso(r.day_reset_at), lastPostAt: iso(r.last_post_at), lastError: r.last_error },
});

export async function twitterRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = deps;

  const read = (id?: string) => db<AccountRow[]>`
    SELECT a.id, a.name, a.watch_ids, a.language, a.created_at, a.updated_at, a.disabled_at,
      s.remaining, s.reset_at, s.day_remaining, s.day_reset_at, s.last_post_at, s.last_error
    FROM twitter_accounts a LEFT JOIN twitter_state s ON s.account_id = a.id
    WHERE ${id ?? null}::uuid IS NULL OR a.id = ${id ?? null}::uuid
    ORDER BY a.created_at`;

  typed.put('/v1/twitter-accounts/:id', { schema: { params: IdParams, body: AccountBody, tags: ['twitter'], summary: 'Create or update an X account (tokens are write-only).' }, preHandler: adminOnly }, async (request, reply) => {
    const { id } = request.params;
    const body = request.body;
    if ((body.accessToken === undefined) !== (body.accessSecret === undefined)) {
      throw badField(body.accessToken === undefined ? 'accessToken' : 'accessSecret', 'send accessToken and accessSecret together (the user tokens of the X account)');
    }
    const watches = await db<{ id: string; visibility: string }[]>`SELECT id, visibility FROM watches WHERE id = ANY(${db.array(body.watchIds)}::uuid[])`;
    const missing = body.watchIds.filter((w) => !watches.some((x) => x.id === w));
    if (missing.length) throw badField('watchIds', `no watch ${missing.join(', ')}`);
    const privateOnes = watches.filter((w) => w.visibility !== 'public').map((w) => w.id);
    if (privateOnes.length) throw badField('watchIds', `watch ${privateOnes.join(', ')} is private: a private watch's events never go to X`);
    const sealed = body.accessToken ? deps.secrets.seal(JSON.stringify({ accessToken: body.accessToken, accessSecret: body.accessSecret })) : null;
    const [exists] = await db`SELECT 1 FROM twitter_accounts WHERE id = ${id}`;
    if (!exists && !sealed) throw badField('accessToken', 'a new account needs accessToken and accessSecret');
    await db`
      INSERT INTO twitter_accounts (id, name, watch_ids, language, tokens_sealed)
      VALUES (${id}, ${body.name}, ${db.array(body.watchIds)}::uuid[], ${body.language ?? 'en'}, ${sealed ?? ''})
      ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, watch_ids = EXCLUDED.watch_ids,
        language = COALESCE(${body.language ?? null}, twitter_accounts.language),
        tokens_sealed = COALESCE(${sealed}, twitter_accounts.tokens_sealed), updated_at = now()`;
    const [row] = await read(id);
    return reply.status(exists ? 200 : 201).header('location', `/v1/twitter-accounts/${id}`).send(view(row!));
  });

  typed.get('/v1/twitter-accounts', { schema: { tags: ['twitter'], summary: 'X accounts, without their tokens, with the posting budget X last reported.' }, preHandler: adminOnly }, async () => ({
    items: (await read()).map(view),
    next: null,
  }));
}
