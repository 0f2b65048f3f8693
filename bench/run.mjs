// `npm run bench`: builds dist/ when it is missing or older than src/, then runs every benchmark
// of this folder, one process each, in order. A benchmark name as argument runs only that one
// (e.g. `npm run bench -- search-latency`).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Every script of this folder but this one is a benchmark.
const BENCHMARKS = readdirSync(path.join(root, 'bench'))
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs')
  .map((f) => f.replace(/\.mjs$/, ''))
  .sort();

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

const cli = path.join(root, 'dist/cli/main.js');
if (!existsSync(cli) || statSync(cli).mtimeMs < newestMtime(path.join(root, 'src'))) {
  console.error('dist/ is missing or older than src/: npm run build');
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const selected = process.argv.slice(2);
for (const name of selected.length > 0 ? selected : BENCHMARKS) {
  if (!BENCHMARKS.includes(name)) {
    console.error(`unknown benchmark ${name}; known: ${BENCHMARKS.join(', ')}`);
    process.exit(2);
  }
  const run = spawnSync(process.execPath, [path.join(root, 'bench', `${name}.mjs`)], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
