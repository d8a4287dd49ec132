// Builds the apps into dist/apps/<name>/main.js (one ESM bundle each; node_modules stay external)
// and copies the SQL migrations to dist/migrations. Usage: node tools/build.mjs [app ...]
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';

const all = ['slotwatch', 'scheduler', 'scraper', 'differ', 'notifier', 'api'];
const wanted = process.argv.slice(2);
const apps = wanted.length ? wanted : all;
const unknown = apps.filter((a) => !all.includes(a));
if (unknown.length) {
  console.error(`unknown app(s): ${unknown.join(', ')}; known: ${all.join(', ')}`);
  process.exit(1);
}
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];

for (const app of apps) {
  await build({
    entryPoints: [`apps/${app}/src/main.ts`],
    outfile: `dist/apps/${app}/main.js`,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: true,
    external,
    tsconfig: 'tsconfig.json',
    logLevel: 'warning',
  });
}
mkdirSync('dist/migrations', { recursive: true });
cpSync('libs/platform/db/migrations', 'dist/migrations', { recursive: true });
console.log(`built ${apps.join(', ')} into dist/apps`);
