import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, configMarkdown, loadConfig } from '@slotwatch/config';
import { createApiKey, createWatch, deleteWatch, listWatches, type Role } from '@slotwatch/api';
import { migrate } from '@slotwatch/db';
import { withDb } from './db.command';
import { runDemo } from './demo.command';
import { startSlotwatch } from './run.command';
import { pickServices } from './services';

const program = new Command('slotwatch').description('Watches appointment-booking systems for freed slots and tells people within seconds.');
const print = (value: unknown): void => void process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);

const int = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number of seconds`);
  return Number(value);
};

program
  .command('run')
  .description('run every service in this process (embedded PostgreSQL and NATS unless DATABASE_URL / NATS_URL are set)')
  .option('--services <list>', 'only these services, comma-separated: scheduler,scraper,differ,notifier,api')
  .option('--verify-config', 'check the configuration and exit')
  .action(async (opts: { services?: string; verifyConfig?: boolean }) => {
    const config = loadConfig();
    pickServices(opts.services);
    if (opts.verifyConfig) return print('configuration OK');
    const running = await startSlotwatch(config, { services: opts.services, handleSignals: true });
    process.stderr.write(`slotwatch is running: ${running.url ?? ''} (Ctrl-C to stop)\n`);
  });

program
  .command('migrate')
  .description('apply database migrations (under an advisory lock) and exit')
  .action(async () => {
    await withDb(loadConfig(), async (db) => print({ applied: await migrate(db) }));
  });

const watch = program.command('watch').description('manage watches');
watch
  .command('add <provider>')
  .description('add a watch, e.g. slotwatch watch add troov --name "Montréal passport" --target \'{"teamId":"…","serviceId":"…","serviceName":"…"}\'')
  .requiredOption('--name <name>', 'a human name for the watch')
  .option('--interval <seconds>', 'seconds between checks', int('--interval'), 300)
  .option('--target <json>', "the provider's target as JSON", '{}')
  .option('--private', 'notify only the owner\'s channels')
  .action(async (provider: string, opts: { name: string; interval: number; target: string; private?: boolean }) => {
    let target: unknown;
    try {
      target = JSON.parse(opts.target);
    } catch {
      throw new InvalidArgumentError(`--target is not valid JSON: ${opts.target}`);
    }
    const config = loadConfig();
    await withDb(config, async (db) =>
      print(await createWatch(db, { provider, name: opts.name, intervalSeconds: opts.interval, target, visibility: opts.private ? 'private' : undefined }, null, { minIntervalOverride: config.minIntervalOverride })),
    );
  });
watch
  .command('list')
  .description('list watches with their health')
  .action(async () => {
    await withDb(loadConfig(), async (db) => {
      const items = await listWatches(db, { limit: 500 });
      if (items.length === 0) return print('no watches yet: add one with `slotwatch watch add`');
      for (const w of items) print(`${w.id}  ${w.provider.padEnd(8)} ${w.health.state.padEnd(9)} every ${w.intervalSeconds}s  ${w.name}${w.health.reason ? `  (${w.health.reason})` : ''}`);
    });
  });
watch
  .command('rm <id>')
  .description('delete a watch and its slots')
  .action(async (id: string) => {
    await withDb(loadConfig(), async (db) => {
      if (!(await deleteWatch(db, id))) throw new Error(`no watch ${id} (see \`slotwatch watch list\`)`);
      print(`deleted ${id}`);
    });
  });

program
  .command('keys')
  .description('manage API keys')
  .command('create')
  .description('create an API key (shown once)')
  .option('--role <role>', 'admin or integrator', 'admin')
  .option('--name <name>', 'what the key is for', 'cli')
  .action(async (opts: { role: string; name: string }) => {
    if (opts.role !== 'admin' && opts.role !== 'integrator') throw new InvalidArgumentError('--role must be admin or integrator');
    await withDb(loadConfig(), async (db) => print(await createApiKey(db, { role: opts.role as Role, name: opts.name })));
  });

program
  .command('demo')
  .description('run everything against fake upstreams: a fake consulate releases slots, slotwatch finds them, a local receiver gets signed webhooks')
  .option('--duration <seconds>', 'stop after this many seconds (default: run until Ctrl-C)', int('--duration'), 0)
  .action(async (opts: { duration: number }) => {
    await runDemo(loadConfig(), { durationS: opts.duration });
  });

program
  .command('config')
  .description('print the configuration reference (markdown)')
  .action(() => print(configMarkdown()));

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : `slotwatch: ${error instanceof Error ? error.message : String(error)}`}\n`);
  process.exit(1);
});
