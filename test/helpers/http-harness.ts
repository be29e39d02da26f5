/**
 * Test harness of the HTTP service: the app built in memory (MemoryJobStore, the embedded queue
 * over an in-process function runner, a silent logger), for `app.inject`. The function runner
 * is for tests only: production tasks run in worker threads.
 */
import { expect } from 'vitest';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config.js';
import { buildApp, type App, type DocumentChecker } from '../../src/http/app.js';
import { renderersFrom, type Renderers } from '../../src/http/renderers.js';
import { EmbeddedJobQueue } from '../../src/jobs/embedded-queue.js';
import { MemoryJobStore } from '../../src/jobs/memory-store.js';
import type { TaskRequest, TaskRunOptions, TaskRunner } from '../../src/jobs/runner.js';
import type { JobStore } from '../../src/jobs/store.js';
import type { TaskContext, TaskKind } from '../../src/workflows/tasks.js';
import * as fake from './fake-tasks.js';

export const EXAMPLE_PATH = new URL('../../fixtures/pbcdse-fit.json', import.meta.url);
export const example = (): Record<string, unknown> => JSON.parse(readFileSync(EXAMPLE_PATH, 'utf8')) as Record<string, unknown>;

/** A small valid document (rock salt in P1, 8 sites, neutral). */
export function smallDocument(name = 'small', iterations = 3): Record<string, unknown> {
  const sites = [
    ['Na', [0, 0, 0]],
    ['Na', [0.5, 0.5, 0]],
    ['Na', [0.5, 0, 0.5]],
    ['Na', [0, 0.5, 0.5]],
    ['Cl', [0.5, 0, 0]],
    ['Cl', [0, 0.5, 0]],
    ['Cl', [0, 0, 0.5]],
    ['Cl', [0.5, 0.5, 0.5]],
  ].map(([species, frac]) => ({ species, frac }));
  return {
    name,
    species: { Na: { charge: 1 }, Cl: { charge: -1 } },
    potentials: [{ type: 'buckingham', species: ['Na', 'Cl'], A: 1000, rho: 0.3, C: 0, vary: ['A'] }],
    structures: [{ id: 'NaCl-RS', spaceGroup: 1, cell: { a: 5.64, b: 5.64, c: 5.64, alpha: 90, beta: 90, gamma: 90 }, sites, properties: { a: { exp: 5.64, fit: 'exp' } } }],
    options: { maxIterations: iterations },
  };
}

export type TaskFn = (kind: TaskKind, document: unknown, ctx: TaskContext) => Promise<unknown>;

/** Runs a task function in this thread (tests only), honouring the abort contract of TaskRunner. */
export class FunctionRunner implements TaskRunner {
  busy = 0;
  constructor(
    private readonly fn: TaskFn,
    readonly capacity = 2,
  ) {}
  async run(req: TaskRequest, { signal, onProgress }: TaskRunOptions): Promise<unknown> {
    signal.throwIfAborted();
    this.busy++;
    try {
      const out = await Promise.race([
        this.fn(req.kind, req.document, { signal, onProgress, limits: req.limits }),
        new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
      ]);
      signal.throwIfAborted();
      return out;
    } catch (e) {
      signal.throwIfAborted();
      const { TaskFailedError, describeTaskError } = await import('../../src/jobs/runner.js');
      const d = describeTaskError(e);
      throw new TaskFailedError(d.error, d.internal);
    } finally {
      this.busy--;
    }
  }
  async warmUp(): Promise<void> {}
  healthy(): boolean {
    return true;
  }
  async close(): Promise<void> {}
}

export interface TestAppOptions {
  config?: Partial<Config>;
  env?: Record<string, string>;
  task?: TaskFn;
  validate?: (kind: TaskKind, document: unknown, limits?: Record<string, number>) => unknown;
  /** Where the door's checks run (a `ValidationPool`); default: `validate` on this thread. */
  checker?: DocumentChecker;
  renderers?: Renderers;
  store?: JobStore;
  capacity?: number;
  /** Do not start the queue (jobs stay queued). */
  paused?: boolean;
}

export interface TestApp {
  app: App;
  store: JobStore;
  queue: EmbeddedJobQueue;
  config: Config;
  close(): Promise<void>;
}

export const silentLogger = () => pino({ level: 'silent' });

export async function buildTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig({ LATTICEFIT_RATE_LIMIT: '0', ...opts.env }, opts.config);
  const store = opts.store ?? new MemoryJobStore();
  const logger = silentLogger();
  const runner = new FunctionRunner(opts.task ?? fake.executeTask, opts.capacity ?? 2);
  const queue = new EmbeddedJobQueue({ store, runner, logger, limits: config.limits, progressThrottleMs: config.progressThrottleMs, pollMs: 0 });
  const app = await buildApp({
    store,
    queue,
    logger,
    config,
    tasks: { validateTask: opts.validate ?? fake.validateTask },
    ...(opts.checker ? { checker: opts.checker } : {}),
    renderers: opts.renderers ?? renderersFrom(fake),
  });
  if (!opts.paused) await queue.start();
  return {
    app,
    store,
    queue,
    config,
    close: async () => {
      await queue.close({ timeoutMs: 2000 });
      await app.close();
      await store.close();
    },
  };
}

/** Poll until `check` returns a truthy value. */
export async function until<T>(check: () => Promise<T> | T, timeoutMs = 10_000, everyMs = 10): Promise<NonNullable<T>> {
  const t0 = Date.now();
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface StreamedEvent {
  event: string;
  data: Record<string, unknown>;
  /** When it arrived (ms since the epoch). */
  at: number;
}

/**
 * Read a live event stream (fetch, not inject) as it arrives, until the server ends it or
 * `onEvent` returns true. Checks the status and the content type first.
 */
export async function readEventStream(url: string, onEvent?: (e: StreamedEvent) => boolean | void | Promise<boolean | void>): Promise<StreamedEvent[]> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const events: StreamedEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body!) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    const blocks = buffer.split('\n\n');
    buffer = blocks.pop()!;
    for (const e of parseSse(blocks.join('\n\n') + '\n\n')) {
      const streamed = { ...(e as { event: string; data: Record<string, unknown> }), at: Date.now() };
      events.push(streamed);
      if (await onEvent?.(streamed)) return events;
    }
  }
  return events;
}

/** Parse an SSE body into events. */
export function parseSse(text: string): { event: string; data: unknown }[] {
  return text
    .split('\n\n')
    .map((block) => {
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      return data.length ? { event, data: JSON.parse(data.join('\n')) as unknown } : undefined;
    })
    .filter((e): e is { event: string; data: unknown } => e !== undefined);
}
