// Server entry: config -> compose (db + migrations, services, jobs) -> buildApp -> listen -> job
// runner -> schedules; on SIGTERM/SIGINT stop the schedules, stop accepting, stop the runner
// (finish or re-queue), close the db: all within the 10 s a container runtime waits.
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.js';
import { compose, type Deps } from './compose.js';
import { buildApp } from './app.js';
import type { Schedules } from './jobs/schedule.js';
import { PRIVATE_UMASK } from './services/file-modes.js';
import { killChildGroups } from './vcs/process.js';

// A container runtime sends SIGKILL 10 s after SIGTERM: keep the whole stop, including the
// runner's release of unfinished jobs (up to ~1 s after the grace), well inside that.
const STOP_BUDGET_MS = 7500;
const HTTP_CLOSE_MS = 2000;

/** Waits for `p` at most `ms`; true when it settled in time. */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface RunningServer {
  deps: Deps;
  app: FastifyInstance;
  schedules: Schedules;
  address: string;
  stop(): Promise<void>;
}

export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(listen.slice(i + 1)) };
}

export async function startServer(config: Config, opts: { deps?: Deps } = {}): Promise<RunningServer> {
  // Files created from here on (database, mirrors, dists, temp files) are private to this user.
  process.umask(PRIVATE_UMASK);
  // The data directory's server lease is taken in compose, before anything is rewritten.
  const deps = opts.deps ?? compose(config, { server: true });
  const app = await buildApp(deps);
  const { host, port } = parseListen(config.server.listen);
  const address = await app.listen({ host, port });
  deps.runner.start();
  const schedules = deps.schedules;
  schedules.start();
  deps.log.info({ address, publicUrl: config.server.public_url, dataDir: config.data_dir }, 'packyard listening');
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      const deadline = Date.now() + STOP_BUDGET_MS;
      deps.log.info('stopping');
      // Stop accepting; requests in flight may finish, but not beyond their share of the budget.
      if (!(await within(app.close(), HTTP_CLOSE_MS))) {
        deps.log.warn('requests still open at stop; closing their connections');
        app.server.closeAllConnections();
      }
      // Nothing new is enqueued by a schedule from here on.
      await schedules.stop();
      // Running jobs finish or go back to the queue; the rest of the budget is theirs.
      await deps.runner.stop(Math.max(500, deadline - Date.now()));
      deps.close();
      deps.log.info('stopped');
    })();
    return stopping;
  };
  return { deps, app, schedules, address, stop };
}

/** Installs signal handlers that stop the server gracefully, with a hard limit of 10 s. */
export function stopOnSignals(server: RunningServer): void {
  const onSignal = (signal: NodeJS.Signals) => {
    server.deps.log.info({ signal }, 'signal received');
    const hard = setTimeout(() => process.exit(1), 10_000);
    hard.unref();
    server.stop().then(
      () => {
        // VCS children nobody waits for any more (a dist build of a closed request) end with us.
        killChildGroups();
        process.exit(0);
      },
      (e: unknown) => {
        server.deps.log.error({ err: e }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
