/**
 * md jobs on the Redis workers: the API server and a worker process (`src/worker-server.ts`,
 * the real task module) as children of the test. The worker runs LAMMPS; its steps reach the SSE
 * stream of the API; DELETE ends the LAMMPS process on the worker; a worker killed with SIGKILL
 * takes its LAMMPS with it (parent-death signal).
 *
 * Needs LATTICEFIT_TEST_REDIS_URL and lmp.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, deleteByPrefix } from '../src/jobs/redis-keys.js';
import { killAll, startChild, type Child } from './helpers/child-process.js';
import { parseSse, until } from './helpers/http-harness.js';
import { processGone } from './helpers/processes.js';
import { FIXTURES } from './helpers/cells.js';

const url = process.env.LATTICEFIT_TEST_REDIS_URL;
const lmp = process.env.LATTICEFIT_LMP ?? spawnSync('sh', ['-c', 'command -v lmp'], { encoding: 'utf8' }).stdout.trim();
const skip = !url ? 'set LATTICEFIT_TEST_REDIS_URL (e.g. redis://127.0.0.1:6391)' : !lmp ? 'lmp is not on PATH (apt-get install lammps)' : '';
if (skip) console.warn(`md-redis.test.ts skipped: ${skip}`);

const prefix = `latticefit-test-md-${randomBytes(4).toString('hex')}`;
const ENV: Record<string, string> = {
  LATTICEFIT_QUEUE: 'redis',
  REDIS_URL: url ?? '',
  LATTICEFIT_REDIS_PREFIX: prefix,
  LATTICEFIT_PROGRESS_THROTTLE_MS: '20',
  LATTICEFIT_SYNC_MAX_ATOMS: '0',
  LATTICEFIT_LOCK_DURATION_MS: '2500',
  LATTICEFIT_STALLED_INTERVAL_MS: '1000',
  LATTICEFIT_HEARTBEAT_MS: '250',
  LATTICEFIT_CANCEL_GRACE_MS: '1000',
  LATTICEFIT_WORKER_CONCURRENCY: '1',
  LATTICEFIT_RATE_LIMIT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
};

const rockSalt = (md: Record<string, unknown>): Record<string, unknown> => {
  const d = JSON.parse(readFileSync(resolve(FIXTURES, 'pbcdse-published.json'), 'utf8'));
  d.structures = d.structures.filter((s: { id: string }) => s.id === 'PbSe-RS');
  for (const s of d.structures) s.properties = { a: s.properties.a };
  return { ...d, md: { temperature: 300, supercell: [2, 2, 2], sampleEvery: 10, ...md } };
};
type Json = Record<string, any>;
const mdStep = (e: { event: string; data: Json }): Json | undefined => (e.event === 'progress' && e.data.stage === 'md' ? JSON.parse(e.data.message) : undefined);

describe.skipIf(!!skip)(`md jobs on Redis workers${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let api: Child;
  let worker: Child;
  let base: string;
  const submit = async (doc: Json): Promise<string> => {
    const res = await fetch(`${base}/v1/properties`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
    expect([200, 202]).toContain(res.status);
    return ((await res.json()) as { id: string }).id;
  };
  const getJob = async (id: string): Promise<Json> => (await (await fetch(`${base}/v1/properties/${id}`)).json()) as Json;
  /** The first LAMMPS pid a job reports in its progress. */
  const lammpsPid = (id: string): Promise<number> => until(async () => {
    const p = (await getJob(id)).progress;
    return p?.stage === 'md' ? (JSON.parse(p.message).pid as number) : undefined;
  }, 60_000, 50);
  const waitGone = async (pid: number, ms: number): Promise<boolean> => {
    const t0 = Date.now();
    while (!processGone(pid) && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 50));
    return processGone(pid);
  };
  const startWorker = (): Promise<Child> => startChild('worker', 'src/worker-server.ts', { ...ENV, LATTICEFIT_WORKER_PORT: '0' }, 'latticefit worker ready', 60_000);

  beforeAll(async () => {
    [api, worker] = await Promise.all([startChild('api', 'src/server.ts', { ...ENV, PORT: '0' }, 'latticefit listening', 60_000), startWorker()]);
    base = api.ready.url as string;
  }, 90_000);

  afterAll(async () => {
    killAll();
    const admin = connectRedis({ url: url!, prefix }, { name: 'test-admin' });
    await deleteByPrefix(admin, prefix);
    await admin.quit();
  });

  it('a worker runs the md job: LAMMPS steps arrive on the SSE stream, then the result', async () => {
    const id = await submit(rockSalt({ equilibrationSteps: 200, productionSteps: 600 }));
    const events = parseSse(await (await fetch(`${base}/v1/properties/${id}/events`)).text()) as { event: string; data: Json }[];
    expect(events.at(-1)).toMatchObject({ event: 'status', data: { id, status: 'succeeded' } });
    const steps = events.map(mdStep).filter((p) => p !== undefined);
    expect(steps.length).toBeGreaterThan(1);
    expect(steps.every((p) => p.totalSteps === 800 && p.structure === 'PbSe-RS')).toBe(true);
    const job = await getJob(id);
    expect(Object.keys(job.result.structures[0].md.xi).sort()).toEqual(['Pb', 'Se']);
    expect(worker.logged(id, 'job succeeded').length).toBe(1);
  }, 180_000);

  it('DELETE of a running md job ends its LAMMPS process on the worker', async () => {
    const id = await submit(rockSalt({ equilibrationSteps: 1_000_000, productionSteps: 1000 }));
    const pid = await lammpsPid(id);
    expect(processGone(pid)).toBe(false);
    expect((await fetch(`${base}/v1/properties/${id}`, { method: 'DELETE' })).status).toBeLessThan(300);
    expect(await waitGone(pid, 10_000), `LAMMPS pid ${pid} still running`).toBe(true);
    expect((await until(async () => ((await getJob(id)).status === 'cancelled' ? true : undefined), 20_000, 50))).toBe(true);
  }, 120_000);

  it('a worker killed with SIGKILL takes its LAMMPS with it', async () => {
    // one thermo line (step 0, the pid) and then none for minutes: no SIGPIPE, only the parent-death signal ends it
    const id = await submit(rockSalt({ equilibrationSteps: 10_000_000, productionSteps: 4_000_000, sampleEvery: 1_000_000, blocks: 2 }));
    const pid = await lammpsPid(id);
    expect(processGone(pid)).toBe(false);
    worker.child.kill('SIGKILL');
    expect(await waitGone(pid, 5_000), `LAMMPS pid ${pid} outlived its worker`).toBe(true);
    await fetch(`${base}/v1/properties/${id}`, { method: 'DELETE' });
  }, 120_000);
});
