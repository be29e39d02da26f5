/**
 * Live progress of a real fit, as the web page reads it: the `progress` events of
 * `GET /v1/fits/{id}/events` carry `accepted` from the fit loop (fitting/fit.ts) through the
 * task (workflows/tasks.ts), the worker thread (jobs/worker.ts, which throttles progress), the
 * job (jobs/process-job.ts) and the stream (http/sse.ts), so that the growing convergence plot can
 * mark the rejected trial steps. Checked against the result's own history: every rejected step
 * after the stream opened is in the stream, marked `accepted: false`, and no accepted step is.
 *
 * The fit: rock-salt and CsCl PbSe of fixtures/pbcdse-published.json, varying Pb-Se A and rho
 * (a few seconds; its Levenberg-Marquardt run has rejected steps once it is near the minimum).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createService, type Service } from '../src/service.js';
import type { FitResult } from '../src/workflows/results.js';
import { parseSse } from './helpers/http-harness.js';
import { publishedSubset } from './helpers/jobs.js';

function pbseDocument() {
  const doc = publishedSubset(['PbSe-RS', 'PbSe-CsCl']);
  for (const p of doc.potentials) p.vary = p.species.join('-') === 'Pb-Se' ? ['A', 'rho'] : [];
  doc.name = 'PbSe A and rho';
  return doc;
}

describe('live fit progress over the event stream', () => {
  let dir: string;
  let service: Service;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latticefit-progress-'));
    service = await createService(loadConfig({ PORT: '0', HOST: '127.0.0.1', LATTICEFIT_DATA_DIR: dir, LATTICEFIT_WORKERS: '1', LATTICEFIT_PROGRESS_THROTTLE_MS: '50', LOG_LEVEL: 'silent', LATTICEFIT_RATE_LIMIT: '0' }));
    base = await service.listen();
  }, 60_000);

  afterAll(async () => {
    await service?.shutdown('test done');
    rmSync(dir, { recursive: true, force: true });
  });

  it('marks every rejected step of the fit with accepted: false, as its history does', async () => {
    const submitted = await fetch(`${base}/v1/fits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(pbseDocument()) });
    expect(submitted.status).toBe(202);
    const { location } = (await submitted.json()) as { location: string };
    const events = parseSse(await (await fetch(`${base}${location}/events`, { headers: { accept: 'text/event-stream' } })).text());
    expect(events.at(-1)).toMatchObject({ event: 'status', data: { status: 'succeeded' } });
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.data as { iteration: number; stage?: string; accepted?: boolean });
    const steps = progress.filter((p) => p.stage === 'fit');
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.every((p) => typeof p.accepted === 'boolean')).toBe(true);

    const { result } = (await (await fetch(`${base}${location}`)).json()) as { result: FitResult };
    const rejected = result.history.filter((h) => !h.accepted).map((h) => h.iteration);
    expect(rejected.length, 'the fit has rejected steps (the test is not vacuous)').toBeGreaterThan(0);
    const firstSeen = Math.min(...steps.map((p) => p.iteration));
    const streamedRejected = steps.filter((p) => p.accepted === false).map((p) => p.iteration);
    expect(streamedRejected).toEqual(rejected.filter((it) => it >= firstSeen));
    const acceptedInHistory = new Set(result.history.filter((h) => h.accepted).map((h) => h.iteration));
    expect(steps.filter((p) => p.accepted === true).every((p) => acceptedInHistory.has(p.iteration))).toBe(true);
  }, 60_000);
});
