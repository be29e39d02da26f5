/**
 * Multi-start fits in parallel worker threads: the starts are shared out over a few threads
 * (one per core by default), each of which parses the job document again and runs its starts one
 * after another. Only plain data crosses the thread boundary (the document and the start vectors
 * in, `StartOutcome`s out).
 *
 * Running from TypeScript sources (tests, `tsx`), the worker is the `.ts` file loaded through tsx;
 * from the build, the compiled `.js` file.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { ParsedJob } from '../document/parse.js';
import type { StartOutcome } from '../fitting/fit.js';

export interface ParallelStartsOptions {
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

export function parallelStarts(options: ParallelStartsOptions = {}): (job: ParsedJob, starts: number[][]) => Promise<StartOutcome[]> {
  return async (job, starts) => {
    const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), starts.length));
    const chunks: number[][] = Array.from({ length: threads }, () => []);
    starts.forEach((_, i) => chunks[i % threads]!.push(i));
    const results: StartOutcome[] = new Array(starts.length);
    await Promise.all(
      chunks.map(
        (indices) =>
          new Promise<void>((resolve, reject) => {
            const worker = spawnWorker('start-worker', import.meta.url, { document: job.document, starts: indices.map((i) => starts[i]) });
            const abort = (): void => void worker.terminate();
            options.signal?.addEventListener('abort', abort, { once: true });
            worker.on('message', (outcomes: StartOutcome[]) => {
              outcomes.forEach((o, k) => (results[indices[k]!] = o));
            });
            worker.on('error', reject);
            worker.on('exit', (code) => {
              options.signal?.removeEventListener('abort', abort);
              if (options.signal?.aborted) reject(new Error('cancelled'));
              else if (code !== 0 && indices.some((i) => !results[i])) reject(new Error(`multi-start worker exited with code ${code}`));
              else resolve();
            });
          }),
      ),
    );
    return results;
  };
}
