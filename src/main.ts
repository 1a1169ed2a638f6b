// Server entry: config -> compose (db + migrations, services, jobs) -> buildApp -> job runner ->
// listen; on SIGTERM/SIGINT stop accepting, stop the runner (finish or re-queue), close the db.
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.js';
import { compose, type Deps } from './compose.js';
import { buildApp } from './app.js';

export interface RunningServer {
  deps: Deps;
  app: FastifyInstance;
  address: string;
  stop(): Promise<void>;
}

export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(listen.slice(i + 1)) };
}

export async function startServer(config: Config, opts: { deps?: Deps } = {}): Promise<RunningServer> {
  const deps = opts.deps ?? compose(config);
  const app = await buildApp(deps);
  const { host, port } = parseListen(config.server.listen);
  const address = await app.listen({ host, port });
  deps.runner.start();
  deps.log.info({ address, publicUrl: config.server.public_url, dataDir: config.data_dir }, 'packyard listening');
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      deps.log.info('stopping');
      await app.close();
      await deps.runner.stop(8000);
      deps.close();
    })();
    return stopping;
  };
  return { deps, app, address, stop };
}

/** Installs signal handlers that stop the server gracefully, with a hard limit of 10 s. */
export function stopOnSignals(server: RunningServer): void {
  const onSignal = (signal: NodeJS.Signals) => {
    server.deps.log.info({ signal }, 'signal received');
    const hard = setTimeout(() => process.exit(1), 10_000);
    hard.unref();
    server.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        server.deps.log.error({ err: e }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
