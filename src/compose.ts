// Builds the concrete dependencies from the config, for the server and the CLI alike: the
// database (migrated), the secret box, the queue and runner, drivers and services.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config/schema.js';
import { createLogger, type Logger } from './log.js';
import { migrate, openDb, type Db, type Sqlite } from './db/client.js';
import { createSecretBox, loadOrCreateSecretKey, type SecretBox } from './services/secrets.js';
import { JobQueue } from './jobs/queue.js';
import { JobRunner, type JobHandler } from './jobs/runner.js';
import { TokenAuthenticator } from './services/tokens.js';
import { AccessReader } from './services/access.js';
import { ChangeTracker } from './services/change-tracker.js';
import { ComposerReader } from './services/composer-reader.js';
import { ensureConfigOrgs } from './services/orgs.js';
import { bindUnboundCredentials } from './services/credential-binding.js';
import { defaultDrivers, type DriverFactory } from './vcs/registry.js';
import { NetworkGuard } from './vcs/network-guard.js';
import type { VcsType } from './vcs/types.js';
import { createUpdatePackageHandler, UPDATE_PACKAGE } from './jobs/update-package.js';
import { createBuildDistHandler, BUILD_DIST } from './jobs/build-dist.js';
import { DistStore } from './composer/dist.js';
import { refreshRenderedMetadata } from './services/metadata.js';
import { Mutexes } from './jobs/mutex.js';
import { createHousekeepingHandler, HOUSEKEEPING } from './jobs/housekeeping.js';
import { createMetrics, jobOutcome, type Metrics } from './metrics.js';
import { FailedAuthCounter } from './services/failed-auth.js';
import { createSyncOrgHandler, createSyncPreviewHandler, SYNC_ORG, SYNC_PREVIEW } from './jobs/sync-org.js';
import { CHECK_REPO, createCheckRepoHandler } from './jobs/check-repo.js';
import { CHECK_SOURCE, createCheckSourceHandler } from './jobs/check-source.js';
import { defaultForgeFactory, ForgeProvider, type ForgeFactory } from './sync/forges.js';
import { DiskUsage } from './services/disk-usage.js';
import { SessionStore } from './services/sessions.js';
import { UiReads } from './services/ui-reads.js';
import { scheduledJobs, Schedules } from './jobs/schedule.js';
import { acquireServerLease, type ServerLease } from './jobs/server-lease.js';
import { PRIVATE_DIR, tightenDataDir } from './services/file-modes.js';
import { openProcessScratch } from './services/scratch.js';
import { createSnsVerifier, type SnsDeps, type SnsVerifier } from './services/sns.js';

export interface Paths {
  dataDir: string;
  database: string;
  mirrors: string;
  dists: string;
  /** Scratch space: data_dir/tmp from dataPaths(); in Deps, this process's own subdirectory of it. */
  tmp: string;
  secretKey: string;
}

export interface Deps {
  config: Config;
  log: Logger;
  paths: Paths;
  db: Db;
  sqlite: Sqlite;
  box: SecretBox;
  queue: JobQueue;
  runner: JobRunner;
  tokens: TokenAuthenticator;
  access: AccessReader;
  /** Memoized reads for the composer endpoints. */
  reader: ComposerReader;
  drivers: ReadonlyMap<VcsType, DriverFactory>;
  /** vcs.denied_networks, the connect timeout and the hosts that failed to connect recently. */
  network: NetworkGuard;
  dists: DistStore;
  locks: Mutexes;
  /** The Prometheus registry and the metrics code increments (served at /metrics). */
  metrics: Metrics;
  /** Failed token authentications per client address (logged per window, counted in /metrics). */
  failedAuth: FailedAuthCounter;
  /** The forge of each configured integration (built on first use). */
  forges: ForgeProvider;
  /** Web UI sessions and the UI pages' reads. */
  sessions: SessionStore;
  uiReads: UiReads;
  /** Verifies AWS SNS deliveries on the generic hook URL (hooks.sns_host_pattern). */
  sns: SnsVerifier;
  /**
   * The cron schedules: started by the server only (main.ts); `reload()` after a change to an
   * organization's sync settings puts it in the running schedule at once (a no-op in the CLI).
   */
  schedules: Schedules;
  /** The one-server lease on data_dir (`packyard serve` only; the CLI never holds it). */
  serverLease: ServerLease | null;
  close(): void;
}

export function dataPaths(dataDir: string): Paths {
  return {
    dataDir,
    database: join(dataDir, 'packyard.db'),
    mirrors: join(dataDir, 'mirrors'),
    dists: join(dataDir, 'dists'),
    tmp: join(dataDir, 'tmp'),
    secretKey: join(dataDir, 'secret.key'),
  };
}

export interface ComposeOptions {
  log?: Logger;
  drivers?: ReadonlyMap<VcsType, DriverFactory>;
  /** prom-client's process metrics; default true (the CLI turns them off). */
  processMetrics?: boolean;
  /** Builds a forge client per integration (tests may substitute one). */
  forgeFactory?: ForgeFactory;
  /**
   * For `packyard serve`: take the data directory's server lease before anything is rewritten
   * (config organizations, rendered metadata); throws LOCKED while another server holds it.
   */
  server?: boolean;
  /** Tests only: a CA the SNS certificate and SubscribeURL fetches trust, and where they connect. */
  sns?: Pick<SnsDeps, 'ca' | 'connectTo'>;
}

function countBy(sqlite: Sqlite, sql: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of sqlite.prepare(sql).all() as { status: string; n: number }[]) out[r.status] = r.n;
  return out;
}

export function compose(config: Config, opts: ComposeOptions = {}): Deps {
  const log = opts.log ?? createLogger(config.log_level);
  const base = dataPaths(config.data_dir);
  for (const dir of [base.dataDir, base.mirrors, base.dists, base.tmp]) mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  const db = openDb(base.database);
  const sqlite = db.$client;
  let serverLease: ServerLease | null = null;
  try {
    // Migrations first (the lease lives in a table; the same migrations twice are no-ops).
    const ran = migrate(sqlite);
    if (ran > 0) log.info({ migrations: ran }, 'database migrated');
    if (opts.server) {
      serverLease = acquireServerLease(sqlite, base.dataDir);
      // Installs made before files were private: tighten what they left readable.
      tightenDataDir(base.dataDir, sqlite);
    }
  } catch (e) {
    serverLease?.release();
    sqlite.close();
    throw e;
  }
  // This process's own tmp subdirectory (what dead processes left there is removed first).
  const scratch = openProcessScratch(base.tmp);
  const paths: Paths = { ...base, tmp: scratch.dir };
  // Credentials from before migration 0007 have no hosts: bound once to their packages' hosts.
  const bound = bindUnboundCredentials(db);
  if (bound > 0) log.info({ credentials: bound }, 'bound existing credentials to the hosts of their packages');
  ensureConfigOrgs(db, config.organizations);

  const box = createSecretBox(loadOrCreateSecretKey(config.secret_key, paths.secretKey));
  const queue = new JobQueue(sqlite);
  const tracker = new ChangeTracker(sqlite);
  const drivers = opts.drivers ?? defaultDrivers();
  const locks = new Mutexes({ sqlite, waitMs: (config.vcs.timeout_seconds + 60) * 1000 * 3 });
  const dists = new DistStore({ db, dir: paths.dists, locks });
  // Handlers close over `deps`, which holds the runner that holds the handlers: fill the map last.
  const handlers = new Map<string, JobHandler>();
  const disk = new DiskUsage(paths);
  const metrics = createMetrics(
    {
      jobsByStatus: () => countBy(sqlite, `SELECT status, COUNT(*) AS n FROM jobs GROUP BY status`),
      packagesByStatus: () => countBy(sqlite, `SELECT status, COUNT(*) AS n FROM packages GROUP BY status`),
      diskUsage: () => disk.get(),
    },
    { defaultMetrics: opts.processMetrics ?? true },
  );
  const runner = new JobRunner(queue, handlers, log.child({ module: 'jobs' }), {
    concurrency: config.jobs.concurrency,
    onFinished: (job, ms) => metrics.jobDuration.observe({ type: job.type, outcome: jobOutcome(job.status) }, ms / 1000),
  });
  const deps: Deps = {
    config,
    log,
    paths,
    db,
    sqlite,
    box,
    queue,
    runner,
    tokens: new TokenAuthenticator(sqlite, tracker),
    access: new AccessReader(sqlite, tracker),
    reader: new ComposerReader(sqlite, tracker),
    drivers,
    network: new NetworkGuard({ deniedNetworks: config.vcs.denied_networks, connectTimeoutMs: config.vcs.connect_timeout_seconds * 1000 }),
    dists,
    locks,
    metrics,
    forges: new ForgeProvider(config.integrations, opts.forgeFactory ?? defaultForgeFactory, { log: log.child({ module: 'forge' }), metrics, db }),
    sessions: new SessionStore(sqlite),
    uiReads: new UiReads(sqlite),
    sns: createSnsVerifier({ hostPattern: new RegExp(config.hooks.sns_host_pattern), ...opts.sns }),
    failedAuth: new FailedAuthCounter(log.child({ module: 'auth' }), metrics.authFailures),
    schedules: new Schedules(() => scheduledJobs(config, db, queue), log.child({ module: 'schedule' })),
    serverLease,
    close() {
      deps.failedAuth.stop();
      deps.forges.close();
      deps.sns.close?.();
      serverLease?.release();
      sqlite.close();
      scratch.remove();
    },
  };
  handlers.set(UPDATE_PACKAGE, createUpdatePackageHandler(deps));
  handlers.set(BUILD_DIST, createBuildDistHandler(deps));
  handlers.set(HOUSEKEEPING, createHousekeepingHandler(deps));
  handlers.set(SYNC_ORG, createSyncOrgHandler(deps));
  handlers.set(SYNC_PREVIEW, createSyncPreviewHandler(deps));
  handlers.set(CHECK_REPO, createCheckRepoHandler(deps));
  handlers.set(CHECK_SOURCE, createCheckSourceHandler(deps));
  refreshRenderedMetadata(deps);
  return deps;
}
