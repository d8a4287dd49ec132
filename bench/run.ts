/**
 * `npm run bench [name …]`: runs every `bench/*.bench.ts` module (or those named), prints one
 * markdown table, and writes `bench/results/latest.json` plus `bench/results/<module>.md`.
 *
 * A bench module's default export is a `BenchModule`. Modules run one after another, never side
 * by side, so they do not disturb each other's timings.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What a number should be: below a ceiling (times) or at least a floor (rates, ratios). */
export type BenchAim = { below: number } | { atLeast: number };

export interface BenchResult {
  /** What was measured, e.g. "diff 10,000-slot snapshot, 1 % churn (median of 9)". */
  metric: string;
  value: number;
  /** e.g. ms, slots/s, ratio. */
  unit: string;
  aim?: BenchAim;
  note?: string;
}

export interface BenchModule {
  /** Short name; also the name of its markdown file under bench/results. */
  name: string;
  /** One line on what it measures and how. */
  description?: string;
  run(): Promise<BenchResult[]>;
}

export interface Machine { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string; loadAverage: number[] }

export interface ModuleReport {
  name: string;
  description?: string;
  file: string;
  /** When this module last ran, and where. */
  at: string;
  machine: Machine;
  results: BenchResult[];
  error?: string;
}

/** bench/results/latest.json: the last run of every module (running a subset keeps the others). */
export interface BenchReport {
  updatedAt: string;
  modules: ModuleReport[];
}

const here = dirname(fileURLToPath(import.meta.url));

export const met = (r: BenchResult): boolean | undefined =>
  r.aim === undefined ? undefined : 'below' in r.aim ? r.value < r.aim.below : r.value >= r.aim.atLeast;

const fmt = (n: number): string =>
  Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : Number(n.toPrecision(3)).toLocaleString('en-US', { maximumFractionDigits: 3 });

function table(results: BenchResult[]): string {
  const rows = results.map((r) => {
    const aim = r.aim === undefined ? '—' : 'below' in r.aim ? `< ${fmt(r.aim.below)}` : `≥ ${fmt(r.aim.atLeast)}`;
    const ok = met(r);
    return `| ${r.metric} | ${fmt(r.value)} | ${r.unit} | ${aim} | ${ok === undefined ? '—' : ok ? 'yes' : '**no**'} | ${r.note ?? ''} |`;
  });
  return ['| metric | value | unit | aim | met | note |', '|---|---:|---|---|---|---|', ...rows].join('\n');
}

export function markdown(modules: ModuleReport[]): string {
  return modules
    .map((mod) => {
      const m = mod.machine;
      const where = `Measured ${mod.at} on ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node} (${m.platform}), load average ${m.loadAverage.map((l) => l.toFixed(2)).join(' / ')} at the start.`;
      return [`## ${mod.name}`, mod.description ?? '', where, mod.error ? `**failed:** ${mod.error}` : table(mod.results)].filter(Boolean).join('\n\n');
    })
    .join('\n\n') + '\n';
}

function readReport(file: string): BenchReport {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
    return Array.isArray(report.modules) ? report : { updatedAt: '', modules: [] };
  } catch {
    return { updatedAt: '', modules: [] };
  }
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => wanted.length === 0 || wanted.includes(basename(f, '.bench.ts')))
    .sort();
  if (files.length === 0) {
    throw new Error(`no bench modules${wanted.length ? ` named ${wanted.join(', ')}` : ''} in ${here} (looked for *.bench.ts)`);
  }
  const ran: ModuleReport[] = [];
  for (const file of files) {
    const mod = ((await import(pathToFileURL(join(here, file)).href)) as { default?: BenchModule }).default;
    if (!mod || typeof mod.run !== 'function') throw new Error(`${file} must export default a BenchModule ({ name, run() })`);
    process.stderr.write(`bench: running ${mod.name} (${file})…\n`);
    const at = new Date().toISOString();
    const machine: Machine = {
      cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version, platform: `${process.platform}-${process.arch}`, loadAverage: loadavg(),
    };
    try {
      ran.push({ name: mod.name, description: mod.description, file, at, machine, results: await mod.run() });
    } catch (error) {
      ran.push({ name: mod.name, description: mod.description, file, at, machine, results: [], error: error instanceof Error ? error.message : String(error) });
      process.exitCode = 1;
    }
  }
  const out = join(here, 'results');
  mkdirSync(out, { recursive: true });
  const latest = join(out, 'latest.json');
  const previous = readReport(latest);
  const report: BenchReport = {
    updatedAt: new Date().toISOString(),
    modules: [...previous.modules.filter((m) => !ran.some((r) => r.name === m.name)), ...ran].sort((a, b) => a.name.localeCompare(b.name)),
  };
  writeFileSync(latest, JSON.stringify(report, null, 2) + '\n');
  for (const mod of ran) {
    if (!mod.error) writeFileSync(join(out, `${mod.name}.md`), `# bench: ${mod.name}\n\nGenerated by \`npm run bench -- ${mod.name}\` (bench/README.md).\n\n${markdown([mod])}`);
  }
  process.stdout.write(markdown(ran));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
