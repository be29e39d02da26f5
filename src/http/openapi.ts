/**
 * The OpenAPI document, generated from the routes (the same app the server runs, built with
 * inert parts and the documented default configuration, so the result depends on the code only).
 * `openapi/openapi.json` is this document, committed; `npm run openapi:check` and a test fail
 * when they differ, `npm run openapi:write` rewrites it.
 */
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../config.js';
import { JobEventBus } from '../jobs/events.js';
import { MemoryJobStore } from '../jobs/memory-store.js';
import type { JobQueue } from '../jobs/queue.js';
import { buildApp } from './app.js';

export const OPENAPI_FILE = fileURLToPath(new URL('../../openapi/openapi.json', import.meta.url));

/** A queue that runs nothing (documentation only). */
const inertQueue = (): JobQueue => ({
  events: new JobEventBus(),
  start: async () => ({ requeued: [] }),
  enqueue: async () => {},
  cancel: async () => undefined,
  stats: () => ({ capacity: 0, busy: 0 }),
  healthy: async () => false,
  close: async () => {},
});

export async function generateOpenApi(): Promise<Record<string, unknown>> {
  const store = new MemoryJobStore();
  const app = await buildApp({
    store,
    queue: inertQueue(),
    logger: pino({ level: 'silent' }),
    tasks: { validateTask: () => undefined },
    config: loadConfig({}),
  });
  const doc = app.swagger() as unknown as Record<string, unknown>;
  await app.close();
  return JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
}

export const serialiseOpenApi = (doc: unknown): string => JSON.stringify(doc, null, 2) + '\n';

/** Where two documents differ: the paths (operations) and components that were added, removed or changed. */
export function openApiDrift(committed: Record<string, unknown>, current: Record<string, unknown>): string[] {
  const out: string[] = [];
  const compare = (label: string, a: Record<string, unknown> = {}, b: Record<string, unknown> = {}) => {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!(k in a)) out.push(`+ ${label} ${k}`);
      else if (!(k in b)) out.push(`- ${label} ${k}`);
      else if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(`~ ${label} ${k}`);
    }
  };
  const c = (x: Record<string, unknown>, key: string) => (x[key] ?? {}) as Record<string, unknown>;
  compare('path', c(committed, 'paths'), c(current, 'paths'));
  compare('schema', c(c(committed, 'components'), 'schemas'), c(c(current, 'components'), 'schemas'));
  const rest = (x: Record<string, unknown>) => JSON.stringify({ ...x, paths: undefined, components: { ...c(x, 'components'), schemas: undefined } });
  if (rest(committed) !== rest(current)) out.push('~ info, tags or security schemes');
  return out;
}
