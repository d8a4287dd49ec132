import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppDeps } from './app';
import { adminOnly } from './auth';
import { handOverSession, putCredentials } from './credentials.service';
import { errors, IdParams } from './schemas';

const CredentialsBody = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 4096 }), {
  maxProperties: 20,
  description: 'bayimco: {"refreshToken": "…"} or {"username": "…", "password": "…"}; other providers: string values. Never shown again.',
});
const SessionBody = Type.Object(
  { sessionId: Type.String({ minLength: 8, maxLength: 512, pattern: '^[\\x21-\\x7e]+$', description: 'The TROOV session id from a browser that passed the captcha.' }) },
  { additionalProperties: false },
);

export async function credentialRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.put('/v1/watches/:id/credentials', {
    schema: { summary: 'Store the credentials of a watch (write-only, sealed at rest)', tags: ['watches'], params: IdParams, body: CredentialsBody, response: { 204: Type.Null(), ...errors(400, 401, 403, 404) } },
    preHandler: adminOnly,
  }, async (request, reply) => {
    await putCredentials(deps.db, deps.secrets, request.params.id, request.body);
    return reply.status(204).send(null);
  });
  typed.post('/v1/watches/:id/session', {
    schema: { summary: 'Hand a TROOV session over to a watch', tags: ['watches'], params: IdParams, body: SessionBody, response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 409) } },
    preHandler: adminOnly,
  }, async (request, reply) => {
    await handOverSession(deps.db, deps.secrets, request.params.id, request.body.sessionId);
    return reply.status(204).send(null);
  });
}
