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
import { pathToFileURL } from 'node:url';
import { loadConfig, type Config } from './config.js';
import { createService, type Service } from './http/service.js';

export async function startServer(config: Config = loadConfig()): Promise<Service> {
  const service = await createService(config);
  await service.listen();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      service.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    const deadline = setTimeout(() => {
      service.logger.error('shutdown deadline passed: exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 5000);
    deadline.unref();
    service.shutdown(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        service.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return service;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  startServer().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  });
}
