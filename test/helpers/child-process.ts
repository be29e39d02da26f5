/**
 * A latticefit process (API server or worker) as a child of the test: started from the
 * TypeScript sources with tsx, its pino lines parsed as they come, ready when a given log
 * message appears.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { until } from './http-harness.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Child {
  name: string;
  child: ChildProcess;
  /** Parsed log lines so far. */
  lines: Record<string, unknown>[];
  /** The ready line. */
  ready: Record<string, unknown>;
  exited: Promise<number | null>;
  /** Log lines about one job with this message. */
  logged(jobId: string, msg: string): Record<string, unknown>[];
}

const all = new Set<ChildProcess>();

/** Start `script` (relative to the repository) and wait for the log line `readyMsg`. */
export async function startChild(name: string, script: string, env: Record<string, string>, readyMsg: string, timeoutMs = 30_000): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  all.add(child);
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  let partial = '';
  child.stdout!.on('data', (b: Buffer) => {
    const parts = (partial + b.toString()).split('\n');
    partial = parts.pop()!;
    for (const l of parts) {
      if (!l.trim()) continue;
      try {
        lines.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        stderr += `${l}\n`;
      }
    }
  });
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      all.delete(child);
      resolve(code);
    }),
  );
  const ready = await until(() => {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${stderr}`);
    return lines.find((l) => l.msg === readyMsg);
  }, timeoutMs, 25);
  return { name, child, lines, ready, exited, logged: (jobId, msg) => lines.filter((l) => l.jobId === jobId && l.msg === msg) };
}

/** SIGKILL every child still running (afterAll). */
export function killAll(): void {
  for (const c of all) c.kill('SIGKILL');
}
