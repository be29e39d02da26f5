/** Whether a process has ended (a zombie, dead but not yet reaped by its new parent, counts as ended). */
import { readFileSync } from 'node:fs';

export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
  if (process.platform !== 'linux') return false;
  try {
    // /proc/PID/stat: "pid (comm) state ..."; comm may hold spaces or parentheses
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}
