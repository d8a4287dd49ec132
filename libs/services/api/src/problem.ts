import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** An error the API answers as `application/problem+json` (RFC 9457). */
export class Problem extends Error {
  override readonly name = 'Problem';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

export const notFound = (what: string) => new Problem(404, 'Not Found', `${what} does not exist`);
export const badField = (field: string, detail: string) =>
  new Problem(400, 'Bad Request', detail, { errors: [{ field, message: detail }] });

/** Turns every error into problem+json; never leaks a stack trace. */
export function problemHandler(error: FastifyError | Problem, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof Problem) {
    void reply.status(error.status).type('application/problem+json').send({ type: 'about:blank', title: error.title, status: error.status, detail: error.detail, ...error.extra });
    return;
  }
  if (error.validation) {
    const errors = error.validation.map((v) => {
      const missing = (v.params as { missingProperty?: string }).missingProperty;
      const path = `${v.instancePath ?? ''}${missing ? `/${missing}` : ''}`.replace(/^\//, '').replace(/\//g, '.');
      const field = `${error.validationContext ?? 'body'}${path ? `.${path}` : ''}`;
      return { field, message: missing ? `${field} is required` : `${field} ${v.message ?? 'is invalid'}` };
    });
    void reply.status(400).type('application/problem+json').send({
      type: 'about:blank', title: 'Bad Request', status: 400, detail: errors.map((e) => e.message).join('; '), errors,
    });
    return;
  }
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  void reply.status(status).type('application/problem+json').send({
    type: 'about:blank',
    title: status >= 500 ? 'Internal Server Error' : (error.name ?? 'Error'),
    status,
    detail: status >= 500 ? 'slotwatch could not handle this request; the error is in its logs' : error.message,
  });
}
