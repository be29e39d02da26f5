/**
 * The HTTP twin of `latticefit md`: POST /v1/properties with an `md` block runs LAMMPS as a
 * properties job (real task module, in memory), and a fit refuses the block. Then through the real
 * service (worker threads, fastify on a free port, fetch): LAMMPS's steps arrive as progress
 * events on the SSE stream, and cancelling the job (DELETE) ends the LAMMPS process.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config.js';
import { createService, type Service } from '../src/service.js';
import { processGone } from './helpers/processes.js';
import * as tasks from '../src/workflows/tasks.js';
import { renderersFrom } from '../src/http/renderers.js';
import { buildTestApp, readEventStream, until, type StreamedEvent, type TestApp } from './helpers/http-harness.js';
import { FIXTURES } from './helpers/cells.js';

const lmp = process.env.LATTICEFIT_LMP ?? spawnSync('sh', ['-c', 'command -v lmp'], { encoding: 'utf8' }).stdout.trim();
if (!lmp) console.warn('test/md-http.test.ts: skipped, lmp (LAMMPS) is not on PATH; apt-get install lammps');

const rockSalt = (): Record<string, unknown> & { structures: { id: string; properties?: unknown }[] } => {
  const d = JSON.parse(readFileSync(resolve(FIXTURES, 'pbcdse-published.json'), 'utf8'));
  d.structures = d.structures.filter((s: { id: string }) => s.id === 'PbSe-RS');
  for (const s of d.structures) s.properties = { a: s.properties.a };
  return d;
};
const md = { temperature: 300, equilibrationSteps: 0, productionSteps: 200, sampleEvery: 20, supercell: [2, 2, 2] };

let t: TestApp | undefined;
afterAll(async () => t?.close());

describe('md block through the service', () => {
  it('POST /v1/fits with an md block is refused at the door: MD is a report column, not a fit observable', async () => {
    t ??= await buildTestApp({ task: tasks.executeTask, validate: tasks.validateTask, renderers: renderersFrom(tasks) });
    const res = await t.app.inject({ method: 'POST', url: '/v1/fits', payload: { ...rockSalt(), md } });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.json().detail ?? res.json().title).toMatch(/molecular dynamics/);
  });

  it('a request cannot choose the program the server runs: md.lmp is refused at /md/lmp', async () => {
    t ??= await buildTestApp({ task: tasks.executeTask, validate: tasks.validateTask, renderers: renderersFrom(tasks) });
    const res = await t.app.inject({ method: 'POST', url: '/v1/properties', payload: { ...rockSalt(), md: { ...md, lmp: '/bin/sh' } } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'INVALID_DOCUMENT', path: '/md/lmp' });
  });

  it('without LAMMPS on the server the md job fails with ENGINE_UNAVAILABLE, saying how to install it', async () => {
    t ??= await buildTestApp({ task: tasks.executeTask, validate: tasks.validateTask, renderers: renderersFrom(tasks) });
    const saved = process.env.LATTICEFIT_LMP;
    process.env.LATTICEFIT_LMP = '/nonexistent/lmp';
    try {
      const res = await t.app.inject({ method: 'POST', url: '/v1/properties', payload: { ...rockSalt(), md } });
      // a small job fails within the synchronous wait: 503 problem+json; else 202 and a failed job
      if (res.statusCode === 503) {
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.json()).toMatchObject({ code: 'ENGINE_UNAVAILABLE', detail: expect.stringMatching(/apt-get install lammps/) });
        expect(res.json().path).toBeUndefined(); // the binary is the server's, not something the request sent
      } else expect(res.statusCode).toBe(202);
      const job = await until(async () => {
        const j = (await t!.app.inject({ url: res.headers.location as string })).json();
        return j.status === 'succeeded' || j.status === 'failed' ? j : undefined;
      }, 60_000);
      expect(job.status).toBe('failed');
      expect(job.error).toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: expect.stringMatching(/apt-get install lammps/) });
    } finally {
      if (saved === undefined) delete process.env.LATTICEFIT_LMP;
      else process.env.LATTICEFIT_LMP = saved;
    }
  }, 90_000);

  it.skipIf(!lmp)('POST /v1/properties with an md block runs LAMMPS and returns structures[].md and the harmonic ξ', async () => {
    t ??= await buildTestApp({ task: tasks.executeTask, validate: tasks.validateTask, renderers: renderersFrom(tasks) });
    const res = await t.app.inject({ method: 'POST', url: '/v1/properties', payload: { ...rockSalt(), md } });
    expect([200, 202], res.body.slice(0, 400)).toContain(res.statusCode);
    const location = res.headers.location as string; // 200 with the finished job when quick, else 202
    const job = await until(async () => {
      const j = (await t!.app.inject({ url: location })).json();
      return j.status === 'succeeded' || j.status === 'failed' ? j : undefined;
    }, 120_000);
    expect(job.status).toBe('succeeded');
    const s = job.result.structures[0];
    expect(s.id).toBe('PbSe-RS');
    for (const k of ['temperature', 'a', 'volume']) expect(Number.isFinite(s.md[k].value)).toBe(true);
    expect(Object.keys(s.md.xi).sort()).toEqual(['Pb', 'Se']);
    expect(Object.keys(s.harmonic.xi).sort()).toEqual(['Pb', 'Se']);
    const report = await t.app.inject({ url: `${location}/report?format=markdown` });
    expect(report.body).toMatch(/RMSD Pb \(300 K\)/);
  }, 180_000);
});



const mdProgress = (e: StreamedEvent): { stage: string; step: number; totalSteps: number; temperature: number; pid: number; structure: string } | undefined =>
  e.event === 'progress' && e.data.stage === 'md' ? JSON.parse(e.data.message as string) : undefined;

describe.skipIf(!lmp)(`md jobs in the real service (worker threads, HTTP, SSE)${lmp ? '' : ' (skipped: lmp is not on PATH; apt-get install lammps)'}`, () => {
  let dir: string;
  let service: Service | undefined;
  let base: string;
  const start = async (): Promise<void> => {
    if (service) return;
    dir = mkdtempSync(join(tmpdir(), 'latticefit-md-http-'));
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LATTICEFIT_DATA_DIR: dir, LATTICEFIT_WORKERS: '1', LATTICEFIT_PROGRESS_THROTTLE_MS: '20', LATTICEFIT_SYNC_MAX_ATOMS: '0', LOG_LEVEL: 'silent' });
    service = await createService(config);
    base = await service.listen();
  };
  afterAll(async () => {
    await service?.shutdown('test done');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const submit = async (payload: unknown): Promise<{ id: string; location: string }> => {
    const res = await fetch(`${base}/v1/properties`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    expect([200, 202]).toContain(res.status);
    return (await res.json()) as { id: string; location: string };
  };

  it('the SSE stream carries progress events from LAMMPS\'s steps, then the final status', async () => {
    await start();
    const { id, location } = await submit({ ...rockSalt(), md: { temperature: 300, equilibrationSteps: 400, productionSteps: 1200, sampleEvery: 20, supercell: [2, 2, 2] } });
    const events = await readEventStream(`${base}${location}/events`, () => false);
    expect(events.at(-1)).toMatchObject({ event: 'status', data: { id, status: 'succeeded' } });
    const steps = events.map(mdProgress).filter((p) => p !== undefined);
    // thermo lines every 20 steps: progress throttled to one per 20 ms, so several, in order
    expect(steps.length).toBeGreaterThan(3);
    for (const [i, p] of steps.entries()) {
      expect(p.structure).toBe('PbSe-RS');
      expect(p.totalSteps).toBe(1600);
      expect(p.step % 20).toBe(0);
      expect(p.temperature).toBeGreaterThan(0);
      if (i > 0) expect(p.step).toBeGreaterThanOrEqual(steps[i - 1]!.step);
    }
    expect(steps.some((p) => p.stage === 'equilibration')).toBe(true);
    expect(steps.some((p) => p.stage === 'production' && p.step > 400)).toBe(true);
    // the event's iteration is the step
    const first = events.find((e) => mdProgress(e) !== undefined)!;
    expect(first.data.iteration).toBe(mdProgress(first)!.step);
  }, 180_000);

  it('DELETE of a running md job ends its LAMMPS process and the stream ends cancelled', async () => {
    await start();
    const { id, location } = await submit({ ...rockSalt(), md: { temperature: 300, equilibrationSteps: 1_000_000, productionSteps: 1_000_000, sampleEvery: 10, supercell: [2, 2, 2] } });
    let pid: number | undefined;
    const events = await readEventStream(`${base}${location}/events`, async (e) => {
      const p = mdProgress(e);
      if (p && pid === undefined) {
        pid = p.pid;
        expect(processGone(pid)).toBe(false); // LAMMPS is running
        const del = await fetch(`${base}${location}`, { method: 'DELETE' });
        expect(del.status).toBeLessThan(300);
      }
      return e.event === 'status' && ['cancelled', 'failed', 'succeeded'].includes(e.data.status as string);
    });
    expect(events.at(-1)).toMatchObject({ event: 'status', data: { id, status: 'cancelled' } });
    expect(pid).toBeGreaterThan(0);
    const t0 = Date.now();
    while (!processGone(pid!) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 100));
    expect(processGone(pid!), `LAMMPS pid ${pid} still running ${Date.now() - t0} ms after the cancellation`).toBe(true);
  }, 120_000);
});
