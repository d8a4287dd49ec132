import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@slotwatch/runtime';
import { createTestInfra, waitFor, type TestInfra } from '@slotwatch/testing';

// The built bundles as the image runs them: `slotwatch migrate` once, then each of the five
// services as its own process (node dist/apps/<service>/main.js) against the real Postgres and NATS.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);
const SERVICES = ['scheduler', 'scraper', 'differ', 'notifier', 'api'] as const;

interface Proc {
  child: ChildProcess;
  port: number;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let infra: TestInfra;
let env: NodeJS.ProcessEnv;
const procs = new Map<string, Proc>();

function start(service: string, port: number): Proc {
  const child = spawn(process.execPath, [`dist/apps/${service}/main.js`], { cwd: root, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, port, output, exited };
}

const status = async (port: number, path: string) => (await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2000) })).status;

beforeAll(async () => {
  await run(process.execPath, ['tools/build.mjs'], { cwd: root, timeout: 90_000 });
  infra = await createTestInfra('split');
  // Only what a container gets: no variables leak in from the test runner's environment.
  env = {
    PATH: process.env.PATH,
    DATABASE_URL: infra.databaseUrl,
    NATS_URL: infra.natsUrl,
    SLOTWATCH_PREFIX: infra.naming.prefix,
    SLOTWATCH_SECRET_KEY: randomBytes(32).toString('base64'),
    SLOTWATCH_MIGRATE_ON_START: 'false',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    SHUTDOWN_GRACE_MS: '5000',
  };
  await run(process.execPath, ['dist/apps/slotwatch/main.js', 'migrate'], { cwd: root, env, timeout: 30_000 });
}, 120_000);

afterAll(async () => {
  for (const p of procs.values()) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await infra?.cleanup();
});

describe('split services from the build', () => {
  it('apply the migrations with `slotwatch migrate` before the services start', async () => {
    const sql = postgres(infra.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<{ name: string }[]>`SELECT name FROM schema_migrations`;
      expect(rows.map((r) => r.name)).toContain('001_init.sql');
    } finally {
      await sql.end();
    }
  });

  it('start as five separate processes that each answer /readyz with 200', async () => {
    for (const service of SERVICES) procs.set(service, start(service, await freePort()));
    for (const [service, p] of procs) {
      await waitFor(
        `${service} /readyz (output: ${p.output.join('').slice(-2000)})`,
        async () => {
          if (p.child.exitCode !== null) throw new Error(`${service} exited with ${p.child.exitCode}: ${p.output.join('')}`);
          return (await status(p.port, '/readyz')) === 200;
        },
        45_000,
        200,
      );
    }
  }, 60_000);

  it('serve /healthz and Prometheus /metrics on every service', async () => {
    for (const [service, p] of procs) {
      expect(await status(p.port, '/healthz'), service).toBe(200);
      const metrics = await fetch(`http://127.0.0.1:${p.port}/metrics`);
      expect(metrics.status, service).toBe(200);
      expect(await metrics.text(), service).toMatch(/^# (HELP|TYPE) /m);
    }
  });

  it('exit with code 0 within 10 s of SIGTERM', async () => {
    expect(procs.size).toBe(SERVICES.length);
    const sentAt = Date.now();
    for (const p of procs.values()) p.child.kill('SIGTERM');
    const outcomes = await Promise.all(
      [...procs].map(async ([service, p]) => {
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref());
        const result = await Promise.race([p.exited, timeout]);
        return { service, result, output: result === 'timeout' || result.code !== 0 ? p.output.join('').slice(-2000) : '' };
      }),
    );
    expect(outcomes).toEqual(SERVICES.map((service) => ({ service, result: { code: 0, signal: null }, output: '' })));
    expect(Date.now() - sentAt).toBeLessThan(10_000);
  }, 20_000);

  it('run the CLI through the image entrypoint', async () => {
    const cli = { cwd: root, env: { ...env, SLOTWATCH_APP_DIR: root } };
    const { stdout: reference } = await run('sh', ['deploy/docker/entrypoint.sh', 'slotwatch', 'config'], cli);
    expect(reference).toContain('`SLOTWATCH_SECRET_KEY`');
    const { stdout: verified } = await run('sh', ['deploy/docker/entrypoint.sh', 'slotwatch', 'run', '--verify-config'], cli);
    expect(verified.trim()).toBe('configuration OK');
  });
});
