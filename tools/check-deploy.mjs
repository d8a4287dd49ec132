// The deployment checks that need no container engine and no cluster: the Helm values against
// their schema, the compose file's shape, .env.example against the settings, the Docker build
// context against the Dockerfile, and (given --rendered) the manifests `helm template` printed.
//
//   node tools/check-deploy.mjs                      run every check, exit 1 if one fails
//   node tools/check-deploy.mjs --json               the same, as JSON (the test suite reads it)
//   node tools/check-deploy.mjs --values my.yaml     also validate your own values file(s)
//   node tools/check-deploy.mjs --rendered out.yaml  also check the output of `helm template`
//                               (--rendered-only: only that)
//
// tools/check-deploy.sh runs this, then `docker compose config` and `helm lint/template` when present.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Ajv } from 'ajv';
import { isMap, parse, parseAllDocuments, parseDocument } from 'yaml';

// CHECK_DEPLOY_ROOT points the checks at a copy of the repository (the tests break copies on purpose).
const root = process.env.CHECK_DEPLOY_ROOT || join(dirname(fileURLToPath(import.meta.url)), '..');
const chart = join(root, 'deploy/helm/slotwatch');
const read = (path) => readFileSync(join(root, path), 'utf8');
/** docker compose reads YAML 1.1 merge keys (`<<: *anchor`); so must we. */
const readYaml = (path) => parse(read(path), { merge: true });

/** The five split services; each has an app in tools/build.mjs and a service in compose and Helm. */
export const SERVICES = ['scheduler', 'scraper', 'differ', 'notifier', 'api'];
/** Compose services allowed without a healthcheck, and why. */
const NO_HEALTHCHECK = {
  'otel-collector': 'the collector image is FROM scratch: no shell or HTTP client to probe with',
};

class CheckError extends Error {
  constructor(problems) {
    super(problems.join('\n'));
    this.name = 'CheckError';
    this.problems = problems;
  }
}
const expectNone = (problems) => {
  if (problems.length) throw new CheckError(problems);
};

// ---- Helm values --------------------------------------------------------------------------------

function schemaValidator() {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  return ajv.compile(JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8')));
}

const ajvProblems = (file, errors) =>
  (errors ?? []).map((e) => `${file}: ${e.instancePath || '/'} ${e.message}${e.params?.additionalProperty ? `: ${e.params.additionalProperty}` : ''}`);

/** Helm's coalescing of a values file over the chart's: maps merge, null deletes, the rest replaces. */
function coalesce(base, over) {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else out[key] = coalesce(base[key], value);
  }
  return out;
}
const isPlainObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates values against values.schema.json as helm does before rendering: the chart's
 * values.yaml alone, or with each given file coalesced over it.
 */
export function checkValuesFiles(files = []) {
  const validate = schemaValidator();
  const defaults = parse(readFileSync(join(chart, 'values.yaml'), 'utf8')) ?? {};
  const problems = [];
  for (const file of files.length ? files : [undefined]) {
    const values = file ? coalesce(defaults, parse(readFileSync(file, 'utf8')) ?? {}) : defaults;
    const name = file ? `values.yaml + ${relative(root, file)}` : 'values.yaml';
    if (!validate(values)) problems.push(...ajvProblems(name, validate.errors));
  }
  expectNone(problems);
}

const ciValueFiles = () =>
  readdirSync(join(chart, 'ci'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(chart, 'ci', f));

/** helm-docs style: a `# --` comment documents a value and everything under it. */
function undocumentedValues() {
  const doc = parseDocument(readFileSync(join(chart, 'values.yaml'), 'utf8'));
  const missing = [];
  const walk = (map, path, documented) => {
    map.items.forEach((pair, i) => {
      const comment = pair.key?.commentBefore ?? (i === 0 ? map.commentBefore : undefined) ?? '';
      const here = documented || /(^|\n)\s*-- /.test(comment);
      const key = [...path, String(pair.key?.value)];
      if (isMap(pair.value) && pair.value.items.length > 0) walk(pair.value, key, here);
      else if (!here) missing.push(key.join('.'));
    });
  };
  if (isMap(doc.contents)) walk(doc.contents, [], false);
  return missing;
}

function undescribedSchemaProperties() {
  const schema = JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8'));
  const missing = [];
  const walk = (node, path) => {
    for (const [key, prop] of Object.entries(node.properties ?? {})) {
      if (!prop.$ref && !prop.description) missing.push([...path, key].join('.'));
      walk(prop, [...path, key]);
    }
  };
  walk(schema, []);
  for (const [name, def] of Object.entries(schema.definitions ?? {})) walk(def, [`definitions.${name}`]);
  return missing;
}

// ---- docker compose -----------------------------------------------------------------------------

const compose = () => readYaml('docker-compose.yml');

function composeProblems() {
  const { services = {}, volumes = {} } = compose();
  const problems = [];
  const need = ['postgres', 'nats', 'migrate', ...SERVICES, 'otel-collector', 'jaeger'];
  for (const name of need) if (!services[name]) problems.push(`service "${name}" is missing`);

  for (const [name, s] of Object.entries(services)) {
    const oneShot = s.restart === 'no';
    if (oneShot || NO_HEALTHCHECK[name]) continue;
    if (!s.healthcheck?.test || s.healthcheck.disable) problems.push(`service "${name}" has no healthcheck`);
    if (!s.restart) problems.push(`service "${name}" has no restart policy`);
  }
  for (const name of SERVICES) {
    const s = services[name];
    if (!s) continue;
    if (JSON.stringify(s.command) !== JSON.stringify([name])) problems.push(`service "${name}" must run the command ["${name}"], not ${JSON.stringify(s.command)}`);
    if (s.profiles?.length) problems.push(`service "${name}" must start by default (no profile), it has ${JSON.stringify(s.profiles)}`);
    if (!String(s.healthcheck?.test).includes('/readyz')) problems.push(`service "${name}": the healthcheck must probe /readyz`);
    const dep = s.depends_on ?? {};
    const want = { postgres: 'service_healthy', nats: 'service_healthy', migrate: 'service_completed_successfully' };
    for (const [on, condition] of Object.entries(want)) {
      if (dep[on]?.condition !== condition) problems.push(`service "${name}" must depend on ${on} with condition ${condition}`);
    }
    const env = s.environment ?? {};
    for (const v of ['DATABASE_URL', 'NATS_URL', 'SLOTWATCH_SECRET_KEY']) if (!env[v]) problems.push(`service "${name}" lacks ${v}`);
    if (String(env.SLOTWATCH_MIGRATE_ON_START) !== 'false') problems.push(`service "${name}": SLOTWATCH_MIGRATE_ON_START must be "false" (the migrate service runs them)`);
  }
  const migrate = services.migrate;
  if (migrate && JSON.stringify(migrate.command) !== JSON.stringify(['slotwatch', 'migrate'])) problems.push('service "migrate" must run ["slotwatch", "migrate"]');

  const single = Object.entries(services).filter(([, s]) => s.profiles?.includes('single'));
  if (single.length !== 1) problems.push(`exactly one service must have the profile "single", found ${single.length}`);
  else if (JSON.stringify(single[0][1].command) !== JSON.stringify(['slotwatch', 'run'])) problems.push(`the "single" service must run ["slotwatch", "run"]`);

  const nats = services.nats;
  if (nats && !(nats.command ?? []).includes('-js')) problems.push('nats must run with -js (JetStream)');
  for (const [name, mount] of [['postgres', '/var/lib/postgresql/data'], ['nats', '/data']]) {
    const vol = (services[name]?.volumes ?? []).map(String).find((v) => v.endsWith(`:${mount}`));
    if (!vol || !(vol.split(':')[0] in volumes)) problems.push(`${name} must keep ${mount} on a named volume`);
  }
  const collector = services['otel-collector'];
  const config = (collector?.volumes ?? []).map(String).find((v) => v.startsWith('./deploy/otel-collector.yaml:'));
  if (!config) problems.push('otel-collector must mount ./deploy/otel-collector.yaml');
  if (!services.jaeger?.ports?.some((p) => String(p).endsWith(':16686'))) problems.push('jaeger must publish its UI port 16686');
  return problems;
}

function collectorProblems() {
  const config = readYaml('deploy/otel-collector.yaml');
  const problems = [];
  const traces = config?.service?.pipelines?.traces;
  if (!traces) return ['deploy/otel-collector.yaml has no traces pipeline'];
  for (const kind of ['receivers', 'processors', 'exporters']) {
    for (const name of traces[kind] ?? []) if (!(name in (config[kind] ?? {}))) problems.push(`traces pipeline uses ${kind} "${name}" that is not defined`);
  }
  if (!config.receivers?.otlp?.protocols?.http) problems.push('the collector must receive OTLP/HTTP (the services export to :4318)');
  return problems;
}

// ---- .env.example -------------------------------------------------------------------------------

/** The settings table, read from its source: one `{ env: 'NAME', …, secret?: true }` entry each. */
function settingLines() {
  const source = read('libs/platform/config/src/config.schema.ts');
  return source
    .split(/\{\s*env:\s*/)
    .slice(1)
    .map((entry) => ({ name: /^'([A-Z][A-Z0-9_]*)'/.exec(entry)?.[1], secret: /\bsecret:\s*true\b/.test(entry.split(/\}\s*,?\s*(\n|$)/)[0]) }))
    .filter((s) => s.name);
}
export const settingNames = () => settingLines().map((s) => s.name);

const envExampleNames = () =>
  new Set([...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));

function envExampleProblems() {
  const listed = envExampleNames();
  const problems = settingNames()
    .filter((n) => !listed.has(n))
    .map((n) => `.env.example does not list the setting ${n} (add "${n}=…" or "# ${n}=…" with a comment; \`slotwatch config\` has its text)`);
  const composeVars = new Set([...read('docker-compose.yml').matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]));
  for (const v of composeVars) if (!listed.has(v)) problems.push(`docker-compose.yml reads \${${v}} but .env.example does not describe it`);
  return problems;
}

/** Settings compose and the chart leave to the image's defaults on purpose, and why. */
const COMPOSE_UNSET = {
  HOST: 'the image listens on 0.0.0.0',
  PORT: 'every container listens on 8080; SLOTWATCH_HTTP_PORT picks the host port',
  SLOTWATCH_HOME: 'only for embedded servers, which compose does not use',
  NATS_SERVER_BIN: 'only for the embedded NATS, which compose does not use',
  OTEL_SERVICE_NAME: 'the default names each service slotwatch-<service>',
};
const HELM_UNSET = {
  HOST: COMPOSE_UNSET.HOST,
  SLOTWATCH_HOME: COMPOSE_UNSET.SLOTWATCH_HOME,
  NATS_SERVER_BIN: COMPOSE_UNSET.NATS_SERVER_BIN,
  OTEL_SERVICE_NAME: COMPOSE_UNSET.OTEL_SERVICE_NAME,
  SLOTWATCH_MIN_INTERVAL_S: 'tests and demos against the fakes only; extraEnv sets it if ever needed',
  TWITTER_API_URL: 'only tests and demos point it at the fake X server; extraEnv sets it if ever needed',
};

function settingsWiringProblems() {
  const problems = [];
  const env = compose()['x-slotwatch']?.environment ?? {};
  const templates = readdirSync(join(chart, 'templates')).map((f) => readFileSync(join(chart, 'templates', f), 'utf8')).join('\n');
  for (const name of settingNames()) {
    if (!(name in env) && !COMPOSE_UNSET[name]) {
      problems.push(`docker-compose.yml does not pass ${name} (add it to x-slotwatch.environment as \${${name}:-default}, or to COMPOSE_UNSET in tools/check-deploy.mjs with a reason)`);
    }
    if (!new RegExp(`\\b${name}\\b`).test(templates) && !HELM_UNSET[name]) {
      problems.push(`the Helm chart does not set ${name} (add a value to values.yaml + values.schema.json and to templates/configmap.yaml or secret.yaml, or to HELM_UNSET in tools/check-deploy.mjs with a reason)`);
    }
  }
  const configMap = readFileSync(join(chart, 'templates/configmap.yaml'), 'utf8');
  for (const { name } of settingLines().filter((s) => s.secret)) {
    if (new RegExp(`\\b${name}\\b`).test(configMap)) problems.push(`${name} is secret: it belongs in templates/secret.yaml (or existingSecret), not in the ConfigMap`);
  }
  return problems;
}

// ---- Docker build context -----------------------------------------------------------------------

/** .dockerignore rules in order; the last one that matches a path (or a parent of it) decides. */
function dockerignore() {
  const rules = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((line) => {
      const keep = line.startsWith('!');
      const glob = (keep ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      const rx = glob
        .split('/')
        .map((part) => (part === '**' ? '(?:.*)' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
        .join('/')
        .replace(/\(\?:\.\*\)\//g, '(?:.*/)?');
      return { keep, rx: new RegExp(`^${rx}$`) };
    });
  return (path) => {
    const parts = path.split('/');
    let included = true;
    for (const rule of rules) {
      for (let i = 1; i <= parts.length; i++) {
        if (rule.rx.test(parts.slice(0, i).join('/'))) {
          included = rule.keep;
          break;
        }
      }
    }
    return included;
  };
}

function dockerProblems() {
  const problems = [];
  const dockerfile = read('deploy/docker/Dockerfile');
  const included = dockerignore();
  const copies = [...dockerfile.matchAll(/^COPY\s+(.+)$/gm)].map((m) => m[1].trim().split(/\s+/));
  for (const args of copies) {
    if (args.some((a) => a.startsWith('--from='))) continue;
    const sources = args.filter((a) => !a.startsWith('--')).slice(0, -1);
    for (const src of sources) {
      if (!existsSync(join(root, src))) problems.push(`Dockerfile copies ${src}, which does not exist`);
      else if (!included(src)) problems.push(`Dockerfile copies ${src}, but .dockerignore leaves it out of the build context`);
      else if (statSync(join(root, src)).isDirectory() && src !== '.') {
        // Spot check: a directory's entry point must survive the ignore rules too.
        const sample = { apps: 'apps/slotwatch/src/main.ts', libs: 'libs/platform/db/migrations' }[src];
        if (sample && !included(sample)) problems.push(`.dockerignore leaves out ${sample}, which the build needs`);
      }
    }
  }
  for (const local of ['.env', '.slotwatch', 'node_modules', 'dist', '.git']) {
    if (included(local)) problems.push(`.dockerignore lets ${local} into the build context`);
  }
  const apps = (/const all = \[([^\]]+)\]/.exec(read('tools/build.mjs'))?.[1] ?? '').match(/'([^']+)'/g)?.map((s) => s.slice(1, -1)) ?? [];
  const entrypoint = read('deploy/docker/entrypoint.sh');
  for (const app of apps.filter((a) => a !== 'slotwatch')) {
    if (!new RegExp(`\\b${app}\\b[^\\n]*\\)`).test(entrypoint)) problems.push(`deploy/docker/entrypoint.sh does not start the app "${app}" that tools/build.mjs builds`);
  }
  if (JSON.stringify(apps.filter((a) => a !== 'slotwatch').sort()) !== JSON.stringify([...SERVICES].sort())) {
    problems.push(`tools/build.mjs builds ${apps.join(', ')}; deploy/ expects slotwatch + ${SERVICES.join(', ')}`);
  }
  const composeFile = compose().services?.api?.build?.dockerfile;
  if (composeFile !== 'deploy/docker/Dockerfile') problems.push(`compose builds ${composeFile}, not deploy/docker/Dockerfile`);
  return problems;
}

// ---- helm template output -----------------------------------------------------------------------

/** Checks what `helm template` printed: YAML, named resources, probes and resources on every Deployment. */
export function checkRendered(file) {
  const problems = [];
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const kinds = {};
  for (const doc of docs) {
    if (doc.errors.length) {
      problems.push(...doc.errors.map((e) => `invalid YAML: ${e.message}`));
      continue;
    }
    const m = doc.toJS();
    if (m === null || m === undefined) continue;
    const id = `${m.kind ?? '?'}/${m.metadata?.name ?? '?'}`;
    if (!m.apiVersion || !m.kind || !m.metadata?.name) problems.push(`${id}: needs apiVersion, kind and metadata.name`);
    if ((m.metadata?.name ?? '').length > 63) problems.push(`${id}: name longer than 63 characters`);
    kinds[m.kind] = (kinds[m.kind] ?? 0) + 1;
    if (m.kind === 'Deployment') {
      for (const c of m.spec?.template?.spec?.containers ?? []) {
        if (m.spec.template.spec.containers.length !== 1) problems.push(`${id}: one container expected`);
        if (c.livenessProbe?.httpGet?.path !== '/healthz') problems.push(`${id}: livenessProbe must GET /healthz`);
        if (c.readinessProbe?.httpGet?.path !== '/readyz') problems.push(`${id}: readinessProbe must GET /readyz`);
        if (!c.resources?.requests) problems.push(`${id}: no resource requests`);
        if (!SERVICES.includes(c.args?.[0])) problems.push(`${id}: the container argument must name a service, got ${JSON.stringify(c.args)}`);
      }
    }
  }
  if (!kinds.Deployment) problems.push('no Deployment rendered');
  expectNone(problems);
  return kinds;
}

// ---- runner -------------------------------------------------------------------------------------

export function checks(extraValues = []) {
  return [
    ['helm: values.yaml matches values.schema.json', () => checkValuesFiles()],
    ['helm: values.yaml + each ci/*.yaml match values.schema.json', () => checkValuesFiles(ciValueFiles())],
    ...(extraValues.length ? [['helm: the given values files match values.schema.json', () => checkValuesFiles(extraValues)]] : []),
    ['helm: every value in values.yaml has a "# --" comment', () => expectNone(undocumentedValues().map((k) => `${k} has no "# --" comment (on it or on a parent)`))],
    ['helm: every property in values.schema.json has a description', () => expectNone(undescribedSchemaProperties().map((k) => `${k} has no description`))],
    ['compose: services, healthchecks, restart policies, dependencies, profile "single"', () => expectNone(composeProblems())],
    ['compose: deploy/otel-collector.yaml pipeline is complete', () => expectNone(collectorProblems())],
    ['.env.example: every setting and every compose variable is described', () => expectNone(envExampleProblems())],
    ['settings: compose and the Helm chart pass every setting (or say why not)', () => expectNone(settingsWiringProblems())],
    ['docker: Dockerfile sources exist and pass .dockerignore; entrypoint knows every app', () => expectNone(dockerProblems())],
  ];
}

function run(list) {
  return list.map(([name, fn]) => {
    try {
      const detail = fn();
      return { name, ok: true, ...(detail ? { detail } : {}) };
    } catch (error) {
      return { name, ok: false, problems: error instanceof CheckError ? error.problems : [String(error?.stack ?? error)] };
    }
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values: opts } = parseArgs({
    options: {
      json: { type: 'boolean' },
      values: { type: 'string', multiple: true },
      rendered: { type: 'string', multiple: true },
      'rendered-only': { type: 'boolean' },
    },
  });
  const list = opts['rendered-only'] ? [] : [...checks(opts.values ?? [])];
  for (const file of opts.rendered ?? []) list.push([`helm: rendered manifests in ${file} are valid`, () => checkRendered(file)]);
  const results = run(list);
  if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else {
    for (const r of results) {
      process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.detail ? ` ${JSON.stringify(r.detail)}` : ''}\n`);
      for (const p of r.problems ?? []) process.stdout.write(`       - ${p}\n`);
    }
  }
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}
