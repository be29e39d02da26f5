/**
 * Whole-process stage of `npm run bench`: what a user waits for when they type a command, start-up
 * and module loading included (the in-process stages time the work alone). Runs the built CLI
 * (`bin/latticefit.js` on `dist/`, rebuilt first when a source file is newer) several times and
 * reports the best wall time, with CPU time and peak memory of that run.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function ensureBuilt(): void {
  const built = join(root, 'dist/cli/main.js');
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(root, 'src'))) return;
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

export interface ProcessTiming {
  wallMs: number;
  userMs: number;
  systemMs: number;
  maxRssKiB: number;
  /** CPU time of the main thread alone (Linux; undefined elsewhere): on an idle machine the wall time is about this plus start-up. */
  mainThreadMs?: number;
}

/** Best of `rounds` runs of `latticefit ...args` as a whole process. */
export function timeCommand(args: string[], rounds = 5): ProcessTiming {
  ensureBuilt();
  let best: ProcessTiming | undefined;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const p = spawnSync(process.execPath, ['--import', join(root, 'bench/helpers/rusage-hook.mjs'), join(root, 'bin/latticefit.js'), ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
    const wallMs = performance.now() - t0;
    if (p.status !== 0) throw new Error(`latticefit ${args.join(' ')} exited ${p.status}: ${p.stderr}`);
    const line = p.stderr.split('\n').find((l) => l.startsWith('@@rusage '));
    const usage = line ? (JSON.parse(line.slice(9)) as Omit<ProcessTiming, 'wallMs'>) : { userMs: NaN, systemMs: NaN, maxRssKiB: NaN };
    if (!best || wallMs < best.wallMs) best = { wallMs, ...usage };
  }
  return best!;
}

export function processStage(): void {
  console.log('0. Whole process: `latticefit properties fixtures/pbcdse-published.json --format json`');
  const t = timeCommand(['properties', 'fixtures/pbcdse-published.json', '--format', 'json']);
  const main = t.mainThreadMs !== undefined ? ` (${(t.mainThreadMs / 1000).toFixed(2)} s of it on the main thread)` : '';
  console.log(`   ${(t.wallMs / 1000).toFixed(3)} s wall, ${((t.userMs + t.systemMs) / 1000).toFixed(3)} s CPU${main}, ${(t.maxRssKiB / 1024).toFixed(0)} MiB peak (goal < 0.3 s; GULP's property run of the same structures: about 0.07 s)`);
  const h = timeCommand(['help']);
  console.log(`   \`latticefit help\` (start-up alone): ${(h.wallMs / 1000).toFixed(3)} s wall, ${(h.maxRssKiB / 1024).toFixed(0)} MiB\n`);
}
