import { STATUS_CODES } from 'node:http';
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
/** Several problems with one request, each naming its field. */
export const badFields = (errors: { field: string; message: string }[]) =>
  new Problem(400, 'Bad Request', errors.map((e) => e.message).join('; '), { errors });

/** Fastify's own name for each request part, as a field prefix people recognise. */
const PART: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

interface AjvIssue {
  instancePath?: string;
  message?: string;
  params: Record<string, unknown>;
}

function fieldOf(part: string, v: AjvIssue): { field: string; message: string } {
  const missing = v.params.missingProperty as string | undefined;
  const extra = v.params.additionalProperty as string | undefined;
  const path = `${v.instancePath ?? ''}${missing ? `/${missing}` : ''}${extra ? `/${extra}` : ''}`.replace(/^\//, '').replace(/\//g, '.');
  const field = `${part}${path ? `.${path}` : ''}`;
  if (missing) return { field, message: `${field} is required` };
  if (extra) return { field, message: `${field} is not a known field` };
  return { field, message: `${field} ${v.message ?? 'is invalid'}` };
}

const send = (reply: FastifyReply, status: number, body: Record<string, unknown>): void => {
  void reply
    .status(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, ...body });
};

/** Turns every error into problem+json; never leaks a stack trace or an internal message. */
export function problemHandler(error: FastifyError | Problem, request: FastifyRequest, reply: FastifyReply): void {
  // An SSE stream or a page already under way cannot change its status any more.
  if (reply.sent || reply.raw.headersSent) return;
  if (error instanceof Problem) {
    send(reply, error.status, { title: error.title, detail: error.detail, ...error.extra });
    return;
  }
  if (error.validation) {
    const part = PART[error.validationContext ?? 'body'] ?? 'body';
    const errors = error.validation.map((v) => fieldOf(part, v as AjvIssue));
    send(reply, 400, { detail: errors.map((e) => e.message).join('; '), errors });
    return;
  }
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
  if (status >= 500) {
    request.log.error({ err: error }, 'request failed');
    send(reply, status, { detail: 'slotwatch could not handle this request; the error is in its logs' });
    return;
  }
  // Fastify's own 4xx (bad JSON, body too large, unsupported media type…) say what was wrong.
  const detail = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'the request body is larger than this route accepts (64 KiB)' : error.message;
  send(reply, status, { detail });
}
