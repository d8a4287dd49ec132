import type { FastifyInstance } from 'fastify';
import { escapeHtml as x } from './status.i18n';

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  description?: string;
  minimum?: number;
  maximum?: number;
  default?: unknown;
}
interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema; description?: string }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
}
interface OpenApi {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
}

/** A one-line type for a schema: `string (uuid)`, `"a" | "b"`, `object[]`. */
function typeOf(s: Schema | undefined): string {
  if (!s) return '';
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' | ');
  if (s.type === 'array') return `${typeOf(s.items)}[]`;
  const base = Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? 'any');
  const facts = [s.format, s.pattern && `pattern ${s.pattern}`, s.minimum !== undefined && `≥ ${s.minimum}`, s.maximum !== undefined && `≤ ${s.maximum}`, s.default !== undefined && `default ${JSON.stringify(s.default)}`].filter(Boolean);
  return facts.length ? `${base} (${facts.join(', ')})` : base;
}

function fields(s: Schema | undefined, prefix = '', depth = 0): string {
  if (!s?.properties || depth > 3) return '';
  return Object.entries(s.properties)
    .map(([name, p]) => {
      const nested = p.type === 'array' ? p.items : p;
      return `<tr><td><code>${x(prefix + name)}</code>${s.required?.includes(name) ? ' *' : ''}</td><td>${x(typeOf(p))}</td><td>${x(p.description ?? '')}</td></tr>${fields(nested, `${prefix}${name}${p.type === 'array' ? '[]' : ''}.`, depth + 1)}`;
    })
    .join('');
}

const table = (rows: string) => (rows ? `<table><tr><th>field</th><th>type</th><th>about</th></tr>${rows}</table>` : '');

function operation(method: string, path: string, op: Operation): string {
  const params = (op.parameters ?? [])
    .map((p) => `<tr><td><code>${x(p.name)}</code> <small>${x(p.in)}</small>${p.required ? ' *' : ''}</td><td>${x(typeOf(p.schema))}</td><td>${x(p.description ?? p.schema?.description ?? '')}</td></tr>`)
    .join('');
  const body = op.requestBody?.content?.['application/json']?.schema;
  const responses = Object.entries(op.responses ?? {}).map(([code, r]) => {
    const schema = r.content?.['application/json']?.schema;
    const inner = schema?.properties?.items?.items ?? schema;
    return `<li><b>${x(code)}</b> ${x(r.description ?? '')}${code.startsWith('2') ? table(fields(inner)) : ''}</li>`;
  });
  return `<section class="op" id="${x(`${method}-${path}`)}">
<h3><span class="m m-${method}">${method.toUpperCase()}</span> <code>${x(path)}</code>${op.security ? ' <small>🔑 bearer</small>' : ''}</h3>
<p>${x(op.summary ?? '')}</p>${op.description ? `<p>${x(op.description)}</p>` : ''}
${params ? `<h4>Parameters</h4>${table(params)}` : ''}
${body ? `<h4>Body</h4>${table(fields(body)) || `<p>${x(typeOf(body))}: ${x(body.description ?? '')}</p>`}` : ''}
<h4>Responses</h4><ul>${responses.join('')}</ul>
</section>`;
}

export function docsPage(doc: OpenApi): string {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${x(doc.info.title)} ${x(doc.info.version)}</title>
<link rel="stylesheet" href="/assets/status.css">
<style>table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{border-bottom:1px solid var(--line);padding:.25rem;text-align:left;vertical-align:top}
.op{border-top:1px solid var(--line);padding:.5rem 0}.m{font-family:monospace;padding:0 .3rem;border-radius:4px;border:1px solid var(--line)}code{word-break:break-all}</style>
</head><body>
<h1>${x(doc.info.title)} <small>${x(doc.info.version)}</small></h1>
<p>${x(doc.info.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Errors are <code>application/problem+json</code> (RFC 9457) with <code>errors[].field</code> naming each bad field.</p>
<nav><ul>${ops.map(({ path, method, op }) => `<li><a href="#${x(`${method}-${path}`)}">${method.toUpperCase()} ${x(path)}</a> — ${x(op.summary ?? '')}</li>`).join('')}</ul></nav>
${ops.map(({ path, method, op }) => operation(method, path, op)).join('\n')}
</body></html>
`;
}

/** GET /openapi.json (generated from the route schemas by @fastify/swagger) and GET /docs (the same, as a page). */
export async function docsRoutes(app: FastifyInstance): Promise<void> {
  let cached: string | undefined;
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/docs', { schema: { hide: true } }, async (_request, reply) => {
    cached ??= docsPage(app.swagger() as unknown as OpenApi);
    return reply.type('text/html; charset=utf-8').send(cached);
  });
}
