/**
 * Nothing accepted is lost. The server runs as a child process (`node --import tsx src/server.ts`)
 * on a temporary data directory with the slow fake task module and one worker:
 *
 * 1. submit three jobs, SIGKILL the server while the first runs; start it again: every job is
 *    still there, the interrupted one says "requeued after restart", and all of them finish;
 * 2. SIGTERM while a job runs: the server exits 0 and the job is back to `queued`
 *    ("requeued at shutdown"), and finishes after the next start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteJobStore } from '../src/jobs/sqlite-store.js';
import { smallDocument, until } from './helpers/http-harness.js';
import { killAll, startChild, type Child } from './helpers/child-process.js';

const dir = mkdtempSync(join(tmpdir(), 'latticefit-restart-'));

async function startServer(): Promise<Child & { url: string }> {
  const server = await startChild(
    'server',
    'src/server.ts',
    {
      PORT: '0',
      HOST: '127.0.0.1',
      LATTICEFIT_DATA_DIR: dir,
      LATTICEFIT_WORKERS: '1',
      LATTICEFIT_TASK_MODULE: 'test/helpers/fake-tasks.ts',
      LATTICEFIT_FAKE_STEP_MS: '100',
      LATTICEFIT_PROGRESS_THROTTLE_MS: '50',
      LOG_LEVEL: 'info',
    },
    'latticefit listening',
  );
  return { ...server, url: server.ready.url as string };
}

const submit = async (url: string, name: string, iterations: number): Promise<string> => {
  const res = await fetch(`${url}/v1/fits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(smallDocument(name, iterations)) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
};
const getJob = async (url: string, id: string) => (await (await fetch(`${url}/v1/fits/${id}`)).json()) as Record<string, any>;

afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('jobs survive the server', () => {
  it('SIGKILL while a job runs: after a restart every job is there and the interrupted one finishes', async () => {
    const first = await startServer();
    const slow = await submit(first.url, 'slow', 30); // 3 s
    const others = [await submit(first.url, 'second', 2), await submit(first.url, 'third', 2)];
    await until(async () => (await getJob(first.url, slow)).progress?.iteration >= 2, 15_000);
    expect((await getJob(first.url, others[0]!)).status).toBe('queued'); // one worker: they wait
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startServer();
    const interrupted = await getJob(second.url, slow);
    expect(interrupted.requeued).toMatchObject({ count: 1, reason: 'requeued after restart' });
    expect(second.lines.some((l) => l.jobId === slow && l.msg === 'requeued after restart')).toBe(true);
    for (const id of [slow, ...others]) {
      const done = await until(async () => {
        const j = await getJob(second.url, id);
        return j.status === 'succeeded' ? j : undefined;
      }, 20_000, 100);
      expect(done.id).toBe(id);
    }
    expect((await getJob(second.url, slow)).attempts).toBe(2);
    const list = (await (await fetch(`${second.url}/v1/fits?limit=10`)).json()) as { items: { id: string }[] };
    expect(list.items.map((j) => j.id).sort()).toEqual([slow, ...others].sort());

    // 2. graceful shutdown puts the running job back
    const graceful = await submit(second.url, 'graceful', 30);
    await until(async () => (await getJob(second.url, graceful)).status === 'running', 10_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.lines.some((l) => l.msg === 'shut down')).toBe(true);
    const store = new SqliteJobStore({ dataDir: dir });
    expect(await store.get(graceful)).toMatchObject({ status: 'queued', lastRequeue: { reason: 'requeued at shutdown' } });
    await store.close();

    const third = await startServer();
    await until(async () => (await getJob(third.url, graceful)).status === 'succeeded', 20_000, 100);
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  }, 120_000);
});
