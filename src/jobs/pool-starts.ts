/**
 * The starts of a multi-start fit in the embedded mode: each start one task (`TaskRequest.start`)
 * on a piscina pool of its own, apart from the jobs' (a fit waiting for its starts holds a job
 * thread; if its starts needed one, N waiting fits on N threads would wait forever). The Redis
 * mode runs the same task on the same kind of pool, reached through BullMQ child jobs
 * (`remote-starts.ts`); both are a `RunStartsRemotely` the job's runner answers its task's
 * `ctx.runStarts` with (`piscina-runner.ts`), so there is one start runner per queue mode behind
 * one interface.
 *
 * A start whose thread dies (TaskFailedError) is a failed start, as in the Redis mode; when the
 * job's signal fires the call rejects with its reason, and the pool's runner stops the running
 * starts (cooperatively, then by terminating the thread; its `error` listener keeps that from
 * crashing the process).
 */
import { TaskFailedError, failedStart, type RunStartsRemotely, type StartOutcome, type TaskLimits, type TaskRunner } from './runner.js';


export function poolStarts(runner: TaskRunner, limits: TaskLimits): RunStartsRemotely {
  return (document, starts, signal) =>
    Promise.all(
      starts.map(async (start) => {
        try {
          return (await runner.run({ kind: 'fit', document, limits, start }, { signal, onProgress: () => {} })) as StartOutcome;
        } catch (err) {
          if (signal.aborted || !(err instanceof TaskFailedError)) throw err;
          return failedStart(start, `${err.info.code}: ${err.info.message}`);
        }
      }),
    );
}
