/**
 * Process plumbing shared by the HTTP server and the queue worker: the structured logger,
 * graceful shutdown on SIGTERM / SIGINT with a deadline, and running a module as the program's
 * entry point.
 */
import { pathToFileURL } from 'node:url';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

/** The service's pino logger (JSON lines, ISO timestamps). */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { service: 'latticefit', pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}

/**
 * The first SIGTERM / SIGINT calls `shutdown` and exits 0 when it resolves (1 when it fails); a
 * second signal, or a shutdown slower than `deadlineMs`, exits 1 at once.
 */
export function exitOnSignals(target: { logger: Logger; shutdown(reason?: string): Promise<void> }, deadlineMs: number): void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      target.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    const deadline = setTimeout(() => {
      target.logger.error('shutdown deadline passed: exiting');
      process.exit(1);
    }, deadlineMs);
    deadline.unref();
    target.shutdown(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        target.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  watchParent(() => {
    target.logger.warn('the parent process (npm) is gone: shutting down');
    onSignal('SIGTERM');
  });
}

/**
 * Under `npm start` (npm sets npm_lifecycle_event) the server's parent is npm, which does not pass
 * SIGTERM on: `npm start & kill $!` would leave the server holding the port and the data-dir lock.
 * So when the parent changes (the process was re-parented because npm exited), shut down as if
 * signalled. Checked every `everyMs`; the timer does not keep the process alive.
 */
export function watchParent(onGone: () => void, everyMs = 500, env: NodeJS.ProcessEnv = process.env): void {
  if (!env.npm_lifecycle_event) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, everyMs);
  timer.unref();
}

/** A configuration error (bad environment variable): the message only, exit status 2. */
const isConfigError = (err: unknown): err is Error => err instanceof Error && err.name === 'ConfigError';

/** Run `start` when the module at `moduleUrl` is the program's entry point; print and exit 1 if it fails. */
export function runAsMain(moduleUrl: string, start: () => Promise<unknown>): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  start().catch((err: unknown) => {
    if (isConfigError(err)) {
      console.error(`configuration error: ${err.message}`);
      process.exit(2);
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  });
}
