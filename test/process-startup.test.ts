/**
 * Start-up and stop as a newcomer meets them: a bad configuration exits 2 with a one-line message
 * naming the variable (no stack trace), and a server started by npm (whose parent does not pass
 * SIGTERM on) stops when its parent is killed, freeing the port and the data-dir lock.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/child-process.js';
import { until } from './helpers/http-harness.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'latticefit-startup-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

describe('start-up configuration errors', () => {
  it.each([
    ['src/server.ts', []],
    ['src/cli/main.ts', ['serve']],
  ])('%s with LATTICEFIT_API_KEYS=k1,k2 exits 2 with a message naming the variable', (script, args) => {
    // the CLI module exports main(); run it through a one-line entry point
    const code = script === 'src/cli/main.ts' ? ['--import', 'tsx', '-e', `import('./src/cli/main.ts').then((m) => m.main(${JSON.stringify(args)})).then((c) => process.exit(c))`] : ['--import', 'tsx', script];
    const r = spawnSync(process.execPath, code, { cwd: ROOT, env: { ...process.env, LATTICEFIT_API_KEYS: 'k1,k2', LATTICEFIT_DATA_DIR: tmp(), PORT: '0' }, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/LATTICEFIT_API_KEYS: every key must be at least 16 characters/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('a server whose parent (npm) exits', () => {
  it('shuts down by itself and frees the port and the data-dir lock', async () => {
    const dataDir = tmp();
    // `; true`: the shell stays the parent (as npm is) and passes no signal on
    const parent = spawn('sh', ['-c', `"${process.execPath}" --import tsx src/server.ts; true`], {
      cwd: ROOT,
      env: { ...process.env, npm_lifecycle_event: 'start', PORT: '0', LATTICEFIT_DATA_DIR: dataDir, LATTICEFIT_WORKERS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    parent.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    const listening = await until(() => out.split('\n').map((l) => { try { return JSON.parse(l) as { msg?: string; url?: string; pid?: number }; } catch { return undefined; } }).find((l) => l?.msg === 'latticefit listening'), 60_000, 50);
    const port = Number(new URL(listening.url!).port);
    const serverPid = listening.pid!;
    expect(serverPid).not.toBe(parent.pid);
    expect(await portFree(port)).toBe(false);
    parent.kill('SIGKILL');
    await until(() => !alive(serverPid), 20_000, 100);
    expect(await portFree(port)).toBe(true);
    // the data-dir lock is free: a second server starts on the same directory
    const { lockDataDir } = await import('../src/jobs/data-dir-lock.js');
    const release = lockDataDir(dataDir);
    release();
  }, 90_000);
});
