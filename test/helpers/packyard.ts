// Starts a real Packyard (real SQLite file in a temp data dir, real drivers) for a test, on a
// free loopback port, and runs the real CLI against the same config. Stopped by the test.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { compose, type ComposeOptions, type Deps } from '../../src/compose.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { createLogger } from '../../src/log.js';
import { forgeFactoryWith, type ForgeFactory } from '../../src/sync/forges.js';

export interface TestPackyard {
  dir: string;
  configFile: string;
  config: Config;
  deps: Deps;
  server: RunningServer | null;
  url: string;
  /** Runs `packyard ARGS` (the real CLI, from source) against this instance's config. */
  cli(args: string[], opts?: { stdin?: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface TestPackyardOptions {
  /** vcs.timeout_seconds (default 60). */
  vcsTimeoutSeconds?: number;
  /** vcs.connect_timeout_seconds (default: the product's, 10). */
  connectTimeoutSeconds?: number;
  /**
   * vcs.denied_networks: default [] because test servers listen on 127.0.0.1; 'default' keeps the
   * product's default list (loopback and link-local denied), for tests of that list.
   */
  deniedNetworks?: readonly string[] | 'default';
  /** Extra YAML appended to the generated config. */
  yaml?: string;
  /** Listen on a port (default); false composes only (no HTTP server, no runner). */
  listen?: boolean;
  port?: number;
  /** Start on an existing test instance's directory (same data dir), e.g. to test a restart. */
  reuseDir?: string;
  /** Forge clients for the configured integrations (tests give stubs). */
  forgeFactory?: ForgeFactory;
  /** The SNS verifier's test seam: a CA its fetches trust and the address they connect to. */
  sns?: ComposeOptions['sns'];
}

const ROOT = resolve(import.meta.dirname, '..', '..');

let cliBundle: string | null = null;

/** Every file the bundle is made from (sources, views, the build and the locked dependencies). */
function bundleInputs(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(join(ROOT, 'src'));
  if (existsSync(join(ROOT, 'views'))) walk(join(ROOT, 'views'));
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', join('scripts', 'build.mjs')]) if (existsSync(join(ROOT, f))) out.push(join(ROOT, f));
  return out.sort();
}

/**
 * The CLI as one esbuild bundle of the current sources (scripts/build.mjs), inside the checkout (so
 * node finds the native modules in node_modules): a command then starts in ~0.2 s instead of ~1.5 s
 * under tsx. The bundle is cached in test-output/.cli-cache/<sha256 of its inputs>/, so the test
 * files of one run (and of the next, until a source changes) share one build instead of each
 * spending ~1.5 s on its own; a process builds into its own temporary directory and renames it
 * into place (atomic; a concurrent build of the same sources is simply dropped). Caches of other
 * sources older than an hour are removed.
 */
export function cliEntry(): string {
  if (cliBundle === null) {
    const hash = createHash('sha256');
    for (const f of bundleInputs()) hash.update(`${f.slice(ROOT.length)}\0`).update(readFileSync(f)).update('\0');
    const key = hash.digest('hex').slice(0, 32);
    const cacheRoot = join(ROOT, 'test-output', '.cli-cache');
    const dir = join(cacheRoot, key);
    const out = join(dir, 'packyard.mjs');
    if (!existsSync(out)) {
      mkdirSync(cacheRoot, { recursive: true });
      const tmp = mkdtempSync(join(cacheRoot, `.build-${process.pid}-`));
      try {
        execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), join(tmp, 'packyard.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
        try {
          renameSync(tmp, dir);
        } catch (e) {
          if (!existsSync(out)) throw e; // another process put the same bundle there first
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
      const hourAgo = Date.now() - 3_600_000;
      for (const e of readdirSync(cacheRoot, { withFileTypes: true })) {
        const p = join(cacheRoot, e.name);
        if (e.name !== key && statSync(p).mtimeMs < hourAgo) rmSync(p, { recursive: true, force: true });
      }
    }
    cliBundle = out;
  }
  return cliBundle;
}

/**
 * Every CLI run retries a failing forge as often as the product does, but with a 10 ms backoff
 * (src/cli/context.ts testForgeBackoff) instead of 500 ms doubling: a fault test waits for the
 * retries, not for the clock. A test may override it through opts.env.
 */
const TEST_CLI_ENV = { PACKYARD_TEST_FORGE_BACKOFF_MS: '10' };
/** The same backoff for the in-process server's forges (unless a test passes its forgeFactory). */
const TEST_FORGE_BACKOFF = { backoffBaseMs: 10, backoffMaxMs: 40 };

export function runCli(configFile: string, args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
  const entry = cliEntry();
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    const child = execFile(
      process.execPath,
      [entry, '--config', configFile, ...args],
      { cwd: ROOT, env: { ...process.env, ...TEST_CLI_ENV, ...opts.env }, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
    child.stdin?.on('error', () => undefined);
    if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
    else child.stdin?.end();
  });
}

export async function startPackyard(t: Teardown, opts: TestPackyardOptions = {}): Promise<TestPackyard> {
  const dir = opts.reuseDir ?? mkdtempSync(join(tmpdir(), 'pky-test-'));
  const configFile = join(dir, 'packyard.yaml');
  const port = opts.port ?? 0;
  const writeConfig = (p: number) =>
    writeFileSync(
      configFile,
      [
        'server:',
        `  listen: "127.0.0.1:${p}"`,
        `  public_url: "http://127.0.0.1:${p}"`,
        `data_dir: "${join(dir, 'data')}"`,
        'log_level: warn',
        'vcs:',
        '  allow_local_paths: true',
        `  timeout_seconds: ${opts.vcsTimeoutSeconds ?? 60}`,
        opts.connectTimeoutSeconds === undefined ? '' : `  connect_timeout_seconds: ${opts.connectTimeoutSeconds}`,
        opts.deniedNetworks === 'default' ? '' : `  denied_networks: ${JSON.stringify(opts.deniedNetworks ?? [])}`,
        opts.yaml ?? '',
      ].join('\n'),
    );
  let config: Config;
  let deps: Deps;
  let server: RunningServer | null = null;
  if (opts.listen === false) {
    writeConfig(port || 8080);
    config = loadConfig({ file: configFile, env: {} });
    deps = compose(config, { log: createLogger('silent'), forgeFactory: opts.forgeFactory ?? forgeFactoryWith(TEST_FORGE_BACKOFF), ...(opts.sns ? { sns: opts.sns } : {}) });
  } else {
    // Bind first to learn a free port, then write it into the config (public_url needs it).
    const probe = await import('node:net').then(
      (net) =>
        new Promise<number>((r, j) => {
          const s = net.createServer();
          s.once('error', j);
          s.listen(port, '127.0.0.1', () => {
            const a = s.address();
            s.close(() => r(typeof a === 'object' && a ? a.port : 0));
          });
        }),
    );
    writeConfig(probe);
    config = loadConfig({ file: configFile, env: {} });
    deps = compose(config, { server: true, log: createLogger(process.env.PKY_TEST_LOG ?? 'silent'), forgeFactory: opts.forgeFactory ?? forgeFactoryWith(TEST_FORGE_BACKOFF), ...(opts.sns ? { sns: opts.sns } : {}) });
    server = await startServer(config, { deps });
  }
  const url = config.server.public_url;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (server) await server.stop();
    else deps.close();
  };
  t.teardown(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, configFile, config, deps, server, url, cli: (args, o) => runCli(configFile, args, o), stop };
}

/**
 * The config of a Packyard with one GitHub integration `ghe` on a (fake) GHES and the
 * organization `acme` synced from its org `acme`; the yearly schedule keeps cron out of tests.
 */
export function ghesSyncYaml(
  ghe: { url: string; apiUrl: string },
  o: { token: string; oauth?: boolean; autoAddPackages?: boolean; installWebhooks?: boolean; moreIntegrations?: string[] },
): string {
  return [
    'integrations:',
    '  - id: ghe',
    '    type: github',
    `    url: "${ghe.url}"`,
    `    api_url: "${ghe.apiUrl}"`,
    `    token: "${o.token}"`,
    ...(o.oauth ? ['    oauth: { client_id: packyard-client, client_secret: packyard-secret }'] : []),
    ...(o.moreIntegrations ?? []),
    'organizations:',
    '  - name: acme',
    '    sync:',
    '      integration: ghe',
    '      source: acme',
    '      schedule: "0 0 1 1 *"',
    ...(o.autoAddPackages !== undefined ? [`      auto_add_packages: ${o.autoAddPackages}`] : []),
    ...(o.installWebhooks !== undefined ? [`      install_webhooks: ${o.installWebhooks}`] : []),
  ].join('\n');
}
