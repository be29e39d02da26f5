/**
 * One embedded server per data directory. At start-up the server requeues every job the store
 * says is `running`, which is right only if no other live process is running them; a second
 * server on the same directory would steal (and duplicate) the first one's jobs. The lock is a
 * file holding the owner's pid: a lock whose process is gone (killed, crashed) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`another latticefit server (pid ${pid}) uses the data directory ${dir}; stop it or choose another LATTICEFIT_DATA_DIR`);
    this.name = 'DataDirLockedError';
  }
}

const alive = (pid: number): boolean => {
  if (pid === process.pid) return false; // a stale lock of an earlier process that had our pid (containers)
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Take the lock (throws DataDirLockedError when a live process holds it); returns the release function. */
export function lockDataDir(dir: string): () => void {
  const file = join(dir, 'server.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) throw new DataDirLockedError(dir, pid);
      rmSync(file, { force: true }); // stale: take it over
    }
  }
  throw new Error(`cannot lock ${file}`);
}
