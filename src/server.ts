/**
 * The HTTP server: configuration from the environment (see `src/config.ts`), the service, listen,
 * and signals. SIGTERM / SIGINT shut down gracefully (running jobs go back to the queue); a second
 * signal, or a shutdown slower than the deadline, exits at once — jobs still `running` in the
 * store are requeued at the next start either way. With LATTICEFIT_QUEUE=redis jobs run in
 * `latticefit worker` processes (`worker-server.ts`) and go on while this server stops or restarts.
 *
 *   node dist/server.js                 (production, after `npm run build`)
 *   node --import tsx src/server.ts     (development and tests)
 */
import { exitOnSignals, runAsMain } from './process.js';
import { loadConfig, type Config } from './config.js';
import { createService, type Service } from './service.js';

export async function startServer(config: Config = loadConfig()): Promise<Service> {
  const service = await createService(config);
  await service.listen();
  exitOnSignals(service, config.shutdownTimeoutMs + 5000);
  return service;
}

runAsMain(import.meta.url, () => startServer());
