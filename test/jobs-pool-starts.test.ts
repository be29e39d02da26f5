/**
 * The embedded mode's start runner (src/jobs/pool-starts.ts): each start one `start` task on the
 * pool it is given, the outcomes in order, a start whose thread died a failed start, a cancelled
 * job's starts rejected with the job's reason.
 */
import { describe, expect, it } from 'vitest';
import { poolStarts } from '../src/jobs/pool-starts.js';
import { TaskFailedError, type StartOutcome, type TaskLimits, type TaskRequest, type TaskRunner } from '../src/jobs/runner.js';

const LIMITS: TaskLimits = { maxStructures: 10, maxAtoms: 100, maxIterations: 5, maxWallTimeMs: 1000, maxJobCost: 1e9 };

function fakeRunner(run: (req: TaskRequest, signal: AbortSignal) => Promise<unknown>): TaskRunner & { requests: TaskRequest[] } {
  const requests: TaskRequest[] = [];
  return {
    requests,
    capacity: 2,
    busy: 0,
    run: (req, { signal }) => (requests.push(req), run(req, signal)),
    warmUp: async () => {},
    healthy: () => true,
    close: async () => {},
  };
}

const outcomeOf = (start: number[]): StartOutcome => ({ start, parameters: start.map((x) => 2 * x), objective: start[0]!, initialObjective: 10, iterations: 1, converged: true });

describe('embedded starts on a pool', () => {
  it('runs each start as a fit task with its start vector, the job document and limits, and gives the outcomes in order', async () => {
    const runner = fakeRunner(async (req) => {
      await new Promise((r) => setTimeout(r, req.start![0] === 1 ? 20 : 0)); // the first finishes last
      return outcomeOf(req.start!);
    });
    const doc = { name: 'x' };
    const out = await poolStarts(runner, LIMITS)(doc, [[1], [2], [3]], new AbortController().signal);
    expect(out.map((o) => o.start)).toEqual([[1], [2], [3]]);
    expect(runner.requests).toEqual([1, 2, 3].map((x) => ({ kind: 'fit', document: doc, limits: LIMITS, start: [x] })));
  });

  it('a start whose task failed (its thread died) is a failed start, the others are kept', async () => {
    const runner = fakeRunner(async (req) => {
      if (req.start![0] === 2) throw new TaskFailedError({ code: 'WORKER_CRASHED', message: 'the worker thread running the task stopped unexpectedly' });
      return outcomeOf(req.start!);
    });
    const out = await poolStarts(runner, LIMITS)({}, [[1], [2]], new AbortController().signal);
    expect(out[0]).toEqual(outcomeOf([1]));
    expect(out[1]).toMatchObject({ start: [2], converged: false, error: 'WORKER_CRASHED: the worker thread running the task stopped unexpectedly' });
    expect(Number.isNaN(out[1]!.objective)).toBe(true);
  });

  it('when the job is cancelled the call rejects with the job signal’s reason', async () => {
    const ac = new AbortController();
    const runner = fakeRunner((_req, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })));
    const call = poolStarts(runner, LIMITS)({}, [[1], [2]], ac.signal);
    ac.abort({ kind: 'cancelled' });
    await expect(call).rejects.toEqual({ kind: 'cancelled' });
  });
});
