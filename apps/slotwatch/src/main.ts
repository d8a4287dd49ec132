import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, configMarkdown, loadConfig } from '@slotwatch/config';
import { changeWatch, credentialProblems, putCredentials, createApiKey, createWatch, deleteWatch, listApiKeys, listWatches, Problem, revokeApiKey, type Role } from '@slotwatch/api';
import { migrate } from '@slotwatch/db';
import { TargetError } from '@slotwatch/provider-core';
import { bayimcoSitesTable, clearProviderStop, readCredentials } from './bayimco.command';
import { withDb } from './db.command';
import { runDemo } from './demo.command';
import { startSlotwatch } from './run.command';
import { resolveTroovTarget, troovPresetsTable, troovServicesTable } from './troov.command';
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
    await withDb(loadConfig(), async (db) => print({ applied: await migrate(db) }), { migrate: false });
  });

const watch = program.command('watch').description('manage watches');
watch
  .command('add <provider>')
  .description('add a watch, e.g. slotwatch watch add troov --preset montreal-passport, or --team <slug> --service "<name>", or --target <json>')
  .requiredOption('--name <name>', 'a human name for the watch (TROOV: defaults to the team and service)', '')
  .option('--interval <seconds>', 'seconds between checks', int('--interval'), 300)
  .option('--target <json>', "the provider's target as JSON", '{}')
  .option('--team <slug|id>', 'TROOV: the consulate, as its page slug or its team id')
  .option('--service <name>', 'TROOV: the exact service name (see `slotwatch troov services <team>`)')
  .option('--preset <name>', 'TROOV: a known consulate service (see `slotwatch troov presets`)')
  .option('--base-url <url>', 'TROOV: the API base URL (a fake server in tests; default the real one)')
  .option('--credentials <file>', 'BayIMCO: JSON file (or - for stdin) with {"refreshToken"} or {"username","password"}; stored encrypted')
  .option('--private', "notify only the owner's channels")
  .action(async (provider: string, opts: { name: string; interval: number; target: string; team?: string; service?: string; preset?: string; baseUrl?: string; credentials?: string; private?: boolean }) => {
    let target: unknown;
    let name = opts.name;
    if (provider === 'troov' && (opts.team || opts.service || opts.preset)) {
      const resolved = await resolveTroovTarget(opts);
      target = resolved.target;
      name ||= resolved.name;
    } else {
      try {
        target = JSON.parse(opts.target);
      } catch {
        throw new InvalidArgumentError(`--target is not valid JSON: ${opts.target}`);
      }
    }
    if (!name) throw new InvalidArgumentError('--name is required: a human name for the watch');
    // A BayIMCO watch is useless without a login: refuse it before anything is stored.
    const credentials = provider === 'bayimco' || opts.credentials ? readCredentials(opts.credentials) : undefined;
    const problems = credentials ? credentialProblems(provider, credentials) : [];
    if (problems.length) throw new InvalidArgumentError(`--credentials: ${problems.map((p) => p.message).join('; ')}`);
    const config = loadConfig();
    await withDb(config, async (db, secrets) => {
      const created = await db.begin(async (tx) => {
        const sql = tx as unknown as typeof db;
        const w = await createWatch(sql, { provider, name, intervalSeconds: opts.interval, target, visibility: opts.private ? 'private' : undefined }, null, { minIntervalOverride: config.minIntervalOverride });
        if (credentials) await putCredentials(sql, secrets, w.id, credentials);
        return w;
      });
      print(created);
    });
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
for (const [verb, active] of [['pause', false], ['resume', true]] as const) {
  watch
    .command(`${verb} <id>`)
    .description(active ? 'resume the checks of a paused watch' : 'stop checking a watch (its slots and history stay)')
    .action(async (id: string) => {
      const config = loadConfig();
      await withDb(config, async (db) => {
        const changed = await changeWatch(db, id, { active }, { minIntervalOverride: config.minIntervalOverride });
        if (!changed) throw new Error(`no watch ${id} (see \`slotwatch watch list\`)`);
        // A watch its own policy stopped (BayIMCO stopOnSuccess/Fail/AuthFail) also starts again.
        if (active) await clearProviderStop(db, id, changed.provider);
        print(`${active ? 'resumed' : 'paused'} ${id} (${changed.name})`);
      });
    });
}

const keys = program.command('keys').description('manage API keys');
keys
  .command('create')
  .description('create an API key (shown once)')
  .option('--role <role>', 'admin or integrator', 'admin')
  .option('--name <name>', 'what the key is for', 'cli')
  .action(async (opts: { role: string; name: string }) => {
    if (opts.role !== 'admin' && opts.role !== 'integrator') throw new InvalidArgumentError('--role must be admin or integrator');
    await withDb(loadConfig(), async (db) => print(await createApiKey(db, { role: opts.role as Role, name: opts.name })));
  });
keys
  .command('list')
  .description('list API keys (their prefixes, never the keys)')
  .action(async () => {
    await withDb(loadConfig(), async (db) => {
      const items = await listApiKeys(db, { limit: 500 });
      for (const k of items) {
        const state = k.revokedAt ? `revoked ${k.revokedAt}` : k.lastUsedAt ? `last used ${k.lastUsedAt}` : 'never used';
        print(`${k.id}  ${k.role.padEnd(10)} ${k.prefix.padEnd(11)}  ${state}  ${k.name}`);
      }
    });
  });
keys
  .command('revoke <id>')
  .description('revoke an API key at once')
  .action(async (id: string) => {
    await withDb(loadConfig(), async (db) => {
      if (!(await revokeApiKey(db, id))) throw new Error(`no live API key ${id} (see \`slotwatch keys list\`)`);
      print(`revoked ${id}`);
    });
  });

const bayimco = program.command('bayimco').description('BayIMCO (impfzentren.bayern) helpers');
bayimco
  .command('sites')
  .description('list districts, centres and sites (the ids a watch can name as possibleSiteId)')
  .requiredOption('--credentials <file>', 'JSON file (or - for stdin) with {"refreshToken"} or {"username","password"}')
  .option('--base-url <url>', 'the API base URL (default the real one)')
  .option('--auth-url <url>', 'the Keycloak realm URL (default the real one)')
  .action(async (opts: { credentials: string; baseUrl?: string; authUrl?: string }) => {
    print(await bayimcoSitesTable(readCredentials(opts.credentials), { baseUrl: opts.baseUrl, authUrl: opts.authUrl }));
  });

const troov = program.command('troov').description('TROOV (consulat.gouv.fr) helpers');
troov
  .command('services <team>')
  .description("list a consulate's services (id, open or not, how far ahead, exact name) by page slug or team id")
  .option('--base-url <url>', 'the API base URL (default the real one)')
  .action(async (team: string, opts: { baseUrl?: string }) => print(await troovServicesTable(team, opts.baseUrl)));
troov
  .command('presets')
  .description('known consulate services for `watch add troov --preset <name>`')
  .action(() => print(troovPresetsTable()));

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
  const message =
    error instanceof ConfigError ? error.message
    : error instanceof TargetError ? `slotwatch: ${error.field}: ${error.message}`
    : error instanceof Problem ? `slotwatch: ${error.detail}`
    : `slotwatch: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
