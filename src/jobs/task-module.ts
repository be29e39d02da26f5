/**
 * Where task code comes from. The service calls the science only through a *task module*: by
 * default `workflows/tasks.js` (fits, properties, reports and exports); tests and the
 * restart test point `LATTICEFIT_TASK_MODULE` at a deterministic fake.
 *
 * Loading TypeScript in worker threads. Production runs compiled JavaScript from `dist/`: the
 * worker file and the tasks are `.js` and a worker needs no loader. Under vitest or
 * `node --import tsx`, this file is `.ts`, and so are the worker and the tasks. A worker thread
 * does not inherit the parent's module hooks (vitest's module runner is not a Node loader at all),
 * and on Node 20 `--import tsx` in a worker's execArgv does not register tsx's ESM hooks inside the
 * worker. So a worker that must load TypeScript starts from `worker-tsx.mjs`, a plain-JS entry
 * that registers tsx through its API (`tsx/esm/api`, resolved from the package, so any cwd works)
 * and then imports `worker.ts`. If tsx is not installed (a production install), asking for a
 * TypeScript module is a clear start-up error.
 */
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StartOutcome } from '../workflows/tasks.js';
import type { TaskContext } from '../workflows/tasks.js';
import type { TaskKind } from './types.js';

/** What the validator may say about the document (used to pick the synchronous path). */
export interface TaskSummary {
  structures?: number;
  /** Total atoms in the conventional cells of all structures. */
  atoms?: number;
}

export interface TaskModule {
  validateTask(kind: TaskKind, document: unknown, limits?: Record<string, number>): unknown;
  executeTask(kind: TaskKind, document: unknown, ctx: TaskContext): Promise<unknown>;
  /**
   * One start of a multi-start fit of `document` (Redis mode runs each start as a child job).
   * Optional: by default the library's `runStart` (`start-task.ts`).
   */
  runStart?: (document: unknown, start: number[], ctx: { signal: AbortSignal }) => StartOutcome | Promise<StartOutcome>;
  /** Optional renderers (see `http/renderers.ts` for the expected signatures). */
  renderReport?: (kind: TaskKind, result: unknown, format: string) => unknown;
  renderParameters?: (kind: TaskKind, result: unknown, format: string) => unknown;
  renderStructures?: (kind: TaskKind, result: unknown, format: string, structureId?: string) => unknown;
}

const ownExt = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** URL of the built-in task module (`workflows/tasks.ts` under tsx, `workflows/tasks.js` in dist). */
export const DEFAULT_TASK_MODULE = new URL(`../workflows/tasks${ownExt}`, import.meta.url).href;

/** URL of the worker entry point, in the same flavour as this file. */
export const WORKER_FILE = new URL(`./worker${ownExt}`, import.meta.url).href;
const TSX_WORKER_FILE = new URL('./worker-tsx.mjs', import.meta.url).href;

/** A file path or URL → file URL string. */
export function toModuleUrl(specifier: string | undefined): string {
  if (!specifier) return DEFAULT_TASK_MODULE;
  if (/^(file|data|node):/.test(specifier)) return specifier;
  return pathToFileURL(isAbsolute(specifier) ? specifier : resolve(specifier)).href;
}

export const isTypeScript = (url: string): boolean => /\.(m|c)?tsx?$/.test(new URL(url).pathname);

/** The worker entry and its execArgv for a pool whose workers load `taskModule`. */
export function workerEntry(taskModule: string): { filename: string; execArgv?: string[] } {
  if (!isTypeScript(WORKER_FILE) && !isTypeScript(taskModule)) return { filename: WORKER_FILE };
  if (!isTypeScript(WORKER_FILE)) throw new Error(`the task module ${taskModule} is TypeScript; run the service from source (node --import tsx src/server.ts) or compile the module`);
  try {
    createRequire(import.meta.url).resolve('tsx/esm/api');
  } catch {
    throw new Error('running from TypeScript sources needs the tsx package (a dev dependency); build with "npm run build" and run from dist/');
  }
  // no inherited loader flags: the entry registers tsx itself
  return { filename: TSX_WORKER_FILE, execArgv: [] };
}

/** Import a task module and check its shape. */
export async function loadTaskModule(specifier?: string): Promise<TaskModule> {
  const url = toModuleUrl(specifier);
  const mod = (await import(url)) as Partial<TaskModule>;
  if (typeof mod.validateTask !== 'function' || typeof mod.executeTask !== 'function') {
    throw new Error(`${url} does not export validateTask and executeTask`);
  }
  return mod as TaskModule;
}
