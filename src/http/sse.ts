/**
 * Server-Sent Events for one job: `status` (a snapshot first), `progress` while it runs,
 * `requeued` when it goes back to the queue, and a final `status` when it ends, after which the
 * stream closes. A job that has already ended gets its final status and the stream closes at
 * once. Comments every `heartbeatMs` keep proxies from timing the stream out.
 *
 * The subscription is made before the snapshot is read, so an end that happens in between is not
 * missed; events that arrive before the snapshot is written are held and sent after it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JobEvent, JobEventSource } from '../jobs/events.js';
import type { JobStore } from '../jobs/store.js';
import { isTerminal, type JobRecord } from '../jobs/types.js';
import { jobSummary } from './views.js';

export interface SseOptions {
  store: JobStore;
  events: JobEventSource;
  job: JobRecord;
  heartbeatMs: number;
  /** Open streams, so that shutdown can end them. */
  open: Set<() => void>;
}

export async function streamJobEvents(req: FastifyRequest, reply: FastifyReply, opts: SseOptions): Promise<void> {
  const id = opts.job.id;
  const held: JobEvent[] = [];
  let ready = false;
  let finished = false;
  let seq = 0;
  const raw = reply.raw;

  const write = (event: string, data: unknown): void => {
    if (finished || raw.writableEnded || raw.destroyed) return;
    raw.write(`id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const end = (): void => {
    if (finished) return;
    finished = true;
    cleanup();
    if (!raw.writableEnded) raw.end();
  };
  const handle = (e: JobEvent): void => {
    if (e.type === 'progress') write('progress', { id, ...e.progress });
    else if (e.type === 'requeued') write('requeued', { id, reason: e.reason, job: jobSummary(e.job) });
    else {
      write('status', jobSummary(e.job));
      if (isTerminal(e.status)) end();
    }
  };
  const unsubscribe = opts.events.subscribe(id, (e) => (ready ? handle(e) : held.push(e)));
  const heartbeat = setInterval(() => !finished && raw.write(': keep-alive\n\n'), opts.heartbeatMs);
  heartbeat.unref();
  const cleanup = (): void => {
    clearInterval(heartbeat);
    unsubscribe();
    opts.open.delete(end);
  };
  opts.open.add(end);
  // the response's 'close' fires when the client goes away (the request's fires when it is read)
  raw.on('close', end);

  reply.hijack();
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = Array.isArray(v) ? v : String(v);
  raw.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.write('retry: 3000\n\n');

  let current: JobRecord | undefined;
  try {
    current = await opts.store.get(id);
  } catch (err) {
    req.log.error({ err }, 'job store read failed in event stream');
  }
  if (!current) {
    end();
    return;
  }
  write('status', jobSummary(current));
  if (isTerminal(current.status)) {
    end();
    return;
  }
  ready = true;
  for (const e of held.splice(0)) if (!finished) handle(e);
}
