/**
 * Where the extra starts of a multi-start fit run: one interface, `StartRunner`, and one runner
 * per way of running latticefit:
 * - none (the library default): `fitting/fit.ts` runs them one after another on the job it has
 *   parsed already;
 * - `threadStarts`: worker threads of this process (the CLI: one per core; the embedded service:
 *   one, so that its job threads do not oversubscribe the machine);
 * - Redis mode: child jobs on every worker (`jobs/remote-starts.ts`, reached from a job's thread
 *   over its port, `jobs/worker.ts`).
 * A runner gets the job document (plain data: it crosses threads and machines) and the start
 * vectors, and gives back one `StartOutcome` per start, in order. Each thread parses the document
 * once for all of its starts.
 *
 * Running from TypeScript sources (tests, `tsx`), the worker is the `.ts` file loaded through tsx;
 * from the build, the compiled `.js` file.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { DomainError } from '../errors.js';
import type { StartOutcome } from '../fitting/fit.js';
import type { StartRunner } from './fit-job.js';

export type { StartRunner };

export interface ThreadStartsOptions {
  threads?: number;
  signal?: AbortSignal;
}

/**
 * A worker for `file` (a sibling module). From the build it is the compiled `.js`; from the
 * TypeScript sources a tiny bootstrap registers tsx in the worker first, then imports the `.ts`.
 */
export function spawnWorker(file: string, base: string, workerData: unknown): Worker {
  if (!base.endsWith('.ts')) return new Worker(new URL(`./${file}.js`, base), { workerData });
  const url = new URL(`./${file}.ts`, base).href;
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url)}); }).catch((e) => { console.error(e); process.exit(1); });`;
  return new Worker(boot, { eval: true, workerData });
}

/** The starts shared out over worker threads (one per core by default). */
export function threadStarts(options: ThreadStartsOptions = {}): StartRunner {
  return async (document, starts, signal = options.signal) => {
    const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), starts.length));
    const chunks: number[][] = Array.from({ length: threads }, () => []);
    starts.forEach((_, i) => chunks[i % threads]!.push(i));
    const results: StartOutcome[] = new Array(starts.length);
    await Promise.all(
      chunks.map(
        (indices) =>
          new Promise<void>((resolve, reject) => {
            const worker = spawnWorker('start-worker', import.meta.url, { document, starts: indices.map((i) => starts[i]) });
            const abort = (): void => void worker.terminate();
            signal?.addEventListener('abort', abort, { once: true });
            worker.on('message', (outcomes: StartOutcome[]) => {
              outcomes.forEach((o, k) => (results[indices[k]!] = o));
            });
            worker.on('error', reject);
            worker.on('exit', (code) => {
              signal?.removeEventListener('abort', abort);
              if (signal?.aborted) reject(new DomainError('CANCELLED', 'the fit was cancelled'));
              else if (code !== 0 && indices.some((i) => !results[i])) reject(new Error(`multi-start worker exited with code ${code}`));
              else resolve();
            });
          }),
      ),
    );
    return results;
  };
}
