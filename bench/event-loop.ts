/**
 * Event-loop time of hostile submissions: each document is POSTed to the service running in this
 * process (the real tasks, SQLite in a temporary directory, rate limit off) while the loop's delay
 * is monitored (perf_hooks monitorEventLoopDelay, 5 ms resolution); beside it, what checking the
 * same document would have cost the loop (validateTask timed on this thread, best of 3).
 *
 *   node --import tsx bench/event-loop.ts
 *
 * LATTICEFIT_MAX_ATOMS is 2048 here so that 64 structures of 1536 atoms are a valid document.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { createService } from '../src/service.js';
import { validateTask } from '../src/workflows/tasks.js';
import { generalSites, manySites, roomyStructures } from '../test/helpers/hostile-documents.js';

const dir = mkdtempSync(join(tmpdir(), 'latticefit-bench-loop-'));
const env = { PORT: '0', HOST: '127.0.0.1', LATTICEFIT_DATA_DIR: dir, LATTICEFIT_WORKERS: '1', LATTICEFIT_RATE_LIMIT: '0', LATTICEFIT_MAX_ATOMS: '2048', LOG_LEVEL: 'warn' };
const config = loadConfig(env);
const service = await createService(config);
const base = await service.listen();
const tick = () => new Promise((r) => setTimeout(r, 20));

const cases: [string, unknown][] = [
  ['10,000 sites in Fm-3m', manySites(10_000)],
  ['128 general sites in Fm-3m', generalSites(128)],
  ['64 structures × 1536 atoms (valid)', roomyStructures(64)],
];
console.log('| document | body kB | answer | latency ms | max loop delay ms | validateTask on the loop ms |');
console.log('|---|---|---|---|---|---|');
for (const [name, doc] of cases) {
  const body = JSON.stringify(doc);
  let onLoop = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    try {
      validateTask('fit', JSON.parse(body), config.limits as never);
    } catch {
      /* refused: the time is what counts */
    }
    onLoop = Math.min(onLoop, performance.now() - t0);
  }
  let best = { delay: Infinity, latency: 0, status: 0, code: '' };
  for (let r = 0; r < 3; r++) {
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    await tick();
    const t0 = performance.now();
    const res = await fetch(`${base}/v1/fits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const json = (await res.json()) as { code?: string; id?: string };
    const latency = performance.now() - t0;
    await tick();
    h.disable();
    if (json.id) await fetch(`${base}/v1/fits/${json.id}`, { method: 'DELETE' });
    if (h.max / 1e6 < best.delay) best = { delay: h.max / 1e6, latency, status: res.status, code: json.code ?? '' };
  }
  console.log(`| ${name} | ${(body.length / 1024).toFixed(0)} | ${best.status} ${best.code} | ${best.latency.toFixed(0)} | ${best.delay.toFixed(1)} | ${onLoop.toFixed(0)} |`);
}
await service.shutdown('bench done');
rmSync(dir, { recursive: true, force: true });
