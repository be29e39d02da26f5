/**
 * `latticefit serve [--port N] [--host H] [--workers N] [--data-dir DIR]`: the HTTP service.
 * Flags override the environment (PORT, HOST, LATTICEFIT_WORKERS, LATTICEFIT_DATA_DIR; the rest
 * is configured by environment only, see `src/config.ts`). The command returns once the server
 * listens; the process then lives until SIGTERM / SIGINT.
 */
import type { ParseArgsConfig } from 'node:util';
import { loadConfig } from '../../config.js';

export const SERVE_USAGE = `  latticefit serve [--port N] [--host H] [--workers N] [--data-dir DIR]
      the HTTP API (jobs persisted in DIR/jobs.sqlite; docs at /docs)`;

export const serveCommand: {
  options: ParseArgsConfig['options'];
  run: (positionals: string[], values: Record<string, string | boolean | undefined>) => Promise<string>;
} = {
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    workers: { type: 'string' },
    'data-dir': { type: 'string' },
  },
  run: async (positionals, values) => {
    if (positionals.length) throw new Error('serve takes no positional arguments');
    const env = { ...process.env };
    if (typeof values.port === 'string') env.PORT = values.port;
    if (typeof values.host === 'string') env.HOST = values.host;
    if (typeof values.workers === 'string') env.LATTICEFIT_WORKERS = values.workers;
    if (typeof values['data-dir'] === 'string') env.LATTICEFIT_DATA_DIR = values['data-dir'];
    const { startServer } = await import('../../server.js');
    await startServer(loadConfig(env));
    return '';
  },
};
