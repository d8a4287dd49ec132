import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { settings } from '@slotwatch/config';

// The deployment files (docker-compose.yml, .env.example, deploy/) checked without a container
// engine: tools/check-deploy.mjs does the work, these tests run it and prove that it bites.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);
const SERVICES = ['scheduler', 'scraper', 'differ', 'notifier', 'api'];

interface CheckResult {
  name: string;
  ok: boolean;
  problems?: string[];
}

async function checkDeploy(args: string[] = [], env: Record<string, string> = {}): Promise<CheckResult[]> {
  const result = await run(process.execPath, ['tools/check-deploy.mjs', '--json', ...args], { cwd: root, env: { ...process.env, ...env } }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '[]' }),
  );
  return JSON.parse(result.stdout) as CheckResult[];
}

const failures = (results: CheckResult[]) => results.filter((r) => !r.ok).map((r) => ({ name: r.name, problems: r.problems }));

interface ComposeService {
  command?: string[];
  profiles?: string[];
  restart?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };

const has = (tool: string, args: string[]) => {
  try {
    execFileSync(tool, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('deployment files', () => {
  it('pass every check in tools/check-deploy.mjs', async () => {
    const results = await checkDeploy();
    expect(results.length).toBeGreaterThan(5);
    expect(failures(results)).toEqual([]);
  });

  it('run the five services in split mode by default, each with a /readyz healthcheck and a restart policy', () => {
    for (const name of SERVICES) {
      const service = compose.services[name];
      expect(service, name).toBeDefined();
      expect(service?.command).toEqual([name]);
      expect(service?.profiles ?? []).toEqual([]);
      expect(service?.restart).toBe('unless-stopped');
      expect(service?.healthcheck?.test?.join(' ')).toContain('/readyz');
      expect(service?.depends_on?.migrate?.condition).toBe('service_completed_successfully');
    }
  });

  it('give every long-running compose service a healthcheck (the one-shot migrate and the FROM-scratch collector excepted)', () => {
    const without = Object.entries(compose.services)
      .filter(([, s]) => s.restart !== 'no' && (!s.healthcheck?.test || s.healthcheck.disable))
      .map(([name]) => name);
    expect(without).toEqual(['otel-collector']);
  });

  it('offer the profile "single" that runs every service in one process', () => {
    const single = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('single'));
    expect(single.map(([name]) => name)).toEqual(['slotwatch']);
    expect(single[0]?.[1].command).toEqual(['slotwatch', 'run']);
  });

  it('read the same settings from the config schema as the application does', async () => {
    const probe = "import('./tools/check-deploy.mjs').then((m) => console.log(JSON.stringify(m.settingNames())))";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: root });
    expect(JSON.parse(stdout)).toEqual(settings.map((s) => s.env));
  });

  it('describe every setting of the config schema in .env.example', () => {
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    const missing = settings.map((s) => s.env).filter((name) => !new RegExp(`^#?\\s*${name}=`, 'm').test(example));
    expect(missing).toEqual([]);
  });

  it('refuse a Helm values file with an unknown key, naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sw-values-'));
    scratch.push(dir);
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'scraper:\n  replicas: 3\nconfig:\n  logLevel: loud\n');
    const results = await checkDeploy(['--values', file]);
    const given = results.find((r) => r.name.includes('given values'));
    expect(given?.ok).toBe(false);
    expect(given?.problems?.join('\n')).toMatch(/\/scraper .*replicas/);
    expect(given?.problems?.join('\n')).toMatch(/\/config\/logLevel/);
  });

  it('fail the compose check when a service loses its healthcheck', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'sw-deploy-'));
    scratch.push(copy);
    for (const path of ['docker-compose.yml', '.env.example', '.dockerignore', 'deploy', 'tools/build.mjs', 'libs/platform/config/src/config.schema.ts']) {
      mkdirSync(dirname(join(copy, path)), { recursive: true });
      cpSync(join(root, path), join(copy, path), { recursive: true });
    }
    const broken = readFileSync(join(copy, 'docker-compose.yml'), 'utf8').replace(
      'command: ["scraper"]',
      'command: ["scraper"]\n    healthcheck:\n      disable: true',
    );
    writeFileSync(join(copy, 'docker-compose.yml'), broken);
    const results = await checkDeploy([], { CHECK_DEPLOY_ROOT: copy });
    const composeCheck = results.find((r) => r.name.startsWith('compose: services'));
    expect(composeCheck?.ok).toBe(false);
    expect(composeCheck?.problems).toContain('service "scraper" has no healthcheck');
  });

  it('start the image entrypoint with any other command as given', async () => {
    const { stdout } = await run('sh', ['deploy/docker/entrypoint.sh', 'echo', 'passed through'], { cwd: root });
    expect(stdout.trim()).toBe('passed through');
  });

  // Skipped only where no compose binary exists (.ci/run installs Debian's docker-compose).
  const composeBin = has('docker', ['compose', 'version']) ? ['docker', 'compose'] : has('docker-compose', ['version']) ? ['docker-compose'] : undefined;
  it.skipIf(!composeBin)('parse with docker compose, in the default mode and with --profile single', async () => {
    const [bin, ...pre] = composeBin ?? [];
    // A fixed env file, so that a developer's own .env does not change the result.
    const dir = mkdtempSync(join(tmpdir(), 'sw-compose-'));
    scratch.push(dir);
    writeFileSync(join(dir, 'check.env'), `SLOTWATCH_SECRET_KEY=${Buffer.alloc(32).toString('base64')}\n`);
    const env = { ...process.env };
    const base = [...pre, '--env-file', join(dir, 'check.env'), '-f', 'docker-compose.yml'];
    await expect(run(bin!, [...base, 'config', '-q'], { cwd: root, env })).resolves.toBeDefined();
    await expect(run(bin!, [...base, '--profile', 'single', 'config', '-q'], { cwd: root, env })).resolves.toBeDefined();
  });

  // Skipped where no helm binary exists: Debian packages none and the network reaches only npm and
  // Debian, so CI cannot render templates; tools/check-deploy.sh then prints "template rendering NOT
  // checked". Set HELM=/path/to/helm to run it.
  const helm = process.env.HELM ?? (has('helm', ['version']) ? 'helm' : undefined);
  it.skipIf(!helm)('render every Helm template to valid manifests', async () => {
    const chart = 'deploy/helm/slotwatch';
    const dir = mkdtempSync(join(tmpdir(), 'sw-helm-'));
    scratch.push(dir);
    const args: string[] = [];
    for (const values of readdirSync(join(root, chart, 'ci')).filter((f) => f.endsWith('.yaml'))) {
      const { stdout } = await run(helm!, ['template', 'slotwatch', chart, '-f', `${chart}/ci/${values}`], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
      writeFileSync(join(dir, values), stdout);
      args.push('--rendered', join(dir, values));
    }
    expect(failures(await checkDeploy(['--rendered-only', ...args]))).toEqual([]);
  });
});
