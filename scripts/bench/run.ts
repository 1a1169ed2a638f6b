// `npm run bench`: builds the CLI, runs the benchmarks (p2 under load against nginx, first
// import and unchanged update against composer, hg and svn imports, GitHub, GitLab and Bitbucket Data Center sync,
// web UI pages' server-side time), prints a table and rewrites the generated part of docs/benchmarks.md. Everything is on 127.0.0.1, in temp dirs, and stopped on exit.
//
// Knobs (environment): BENCH_ONLY=p2|git|hg|svn|sync|gitlab|bitbucket-server|ui (a partial run prints but does not write the doc),
// BENCH_WRK_SECONDS (10), BENCH_WRK_REPS (3), BENCH_IMPORT_REPS (3), BENCH_UPDATE_REPS (5),
// BENCH_UI_REQUESTS (50 per page), BENCH_NO_WRITE=1.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildCli, ROOT } from './cli-build.js';
import { benchP2 } from './bench-p2.js';
import { benchImport } from './bench-import.js';
import { benchUpdate } from './bench-update.js';
import { benchImportVcs } from './bench-import-vcs.js';
import { benchReconcile, benchWebhookLatency } from './bench-sync.js';
import { benchGitLabHookLatency, benchGitLabReconcile } from './bench-gitlab.js';
import { benchBitbucketServerHookLatency, benchBitbucketServerReconcile } from './bench-bitbucket-server.js';
import { benchUi } from './bench-ui.js';
import { createHgBenchRepo } from './hg-fixture.js';
import { createSvnBenchRepo } from './svn-fixture.js';
import { describeMachine, fmtMs, Teardowns } from './lib.js';
import { renderGenerated, terminalTable, writeBenchmarksDoc, type BenchResult } from './report.js';

function intEnv(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  // Bounded: the suite must finish in minutes, whatever is asked.
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be an integer from 1 to ${max}`);
  return n;
}

const TOOLS: Record<string, string[]> = {
  p2: ['wrk', 'nginx'],
  git: ['composer', 'php', 'git'],
  hg: ['composer', 'php', 'hg'],
  svn: ['composer', 'php', 'svn', 'svnadmin'],
  sync: ['git'],
  gitlab: ['git'],
  'bitbucket-server': ['git'],
  ui: [],
};

/** The tools the selected benchmarks run (all of them for a whole run). */
function requireTools(only: string): void {
  const needed = only === '' ? [...new Set(Object.values(TOOLS).flat())] : (TOOLS[only] ?? []);
  const missing = needed.filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: run sudo scripts/install-test-deps.sh`);
}

const log = (line: string): void => {
  process.stderr.write(`bench: ${line}\n`);
};

async function main(): Promise<void> {
  const started = Date.now();
  const only = process.env.BENCH_ONLY ?? '';
  if (!['', 'p2', 'git', 'hg', 'svn', 'sync', 'gitlab', 'bitbucket-server', 'ui'].includes(only)) throw new Error('BENCH_ONLY must be p2, git, hg, svn, sync, gitlab, bitbucket-server or ui');
  const seconds = intEnv('BENCH_WRK_SECONDS', 10, 30);
  const reps = { wrk: intEnv('BENCH_WRK_REPS', 3, 5), import: intEnv('BENCH_IMPORT_REPS', 3, 5), update: intEnv('BENCH_UPDATE_REPS', 5, 10) };
  requireTools(only);

  let current = new Teardowns();
  // Ctrl-C or a kill still stops every server this run started (nginx, git http, Packyard).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping servers`);
      void current.run().finally(() => process.exit(130));
    });
  }
  const machine = await describeMachine();
  const cli = await buildCli();
  current.teardown(() => rmSync(cli.dir, { recursive: true, force: true }));
  log(`built the CLI with tsc in ${fmtMs(cli.buildMs)} (${cli.main})`);

  const results: BenchResult[] = [];
  try {
    if (only === '' || only === 'p2') results.push(await benchP2({ td: current, cli, reps: reps.wrk, seconds, log }));
    if (only === '' || only === 'git') {
      // The update benchmark reuses the import's package and composer's warm cache.
      const imported = await benchImport({ td: current, cli, reps: reps.import, log });
      results.push(imported.result);
      results.push(await benchUpdate({ td: current, cli, reps: reps.update, ctx: imported.ctx, log }));
    }
    if (only === '' || only === 'hg') {
      results.push(await benchImportVcs({
        td: current, cli, reps: reps.import, log, vcs: 'hg', tags: 300,
        generate: async (dir, tags) => {
          const repo = await createHgBenchRepo(join(dir, 'hg-repo'), { name: 'bench/hg-big', tags, branches: { 'feature-a': 10 }, bookmarks: { topic: 20 } });
          return { url: repo.dir, name: repo.name, tags: repo.tags };
        },
      }));
    }
    if (only === '' || only === 'sync') {
      results.push(await benchWebhookLatency({ td: current, trials: intEnv('BENCH_WEBHOOK_TRIALS', 50, 200), log }));
      results.push(await benchReconcile({ td: current, log }));
    }
    if (only === '' || only === 'gitlab') {
      results.push(await benchGitLabHookLatency({ td: current, trials: intEnv('BENCH_WEBHOOK_TRIALS', 50, 200), log }));
      results.push(await benchGitLabReconcile({ td: current, log }));
    }
    if (only === '' || only === 'bitbucket-server') {
      results.push(await benchBitbucketServerHookLatency({ td: current, trials: intEnv('BENCH_WEBHOOK_TRIALS', 50, 200), log }));
      results.push(await benchBitbucketServerReconcile({ td: current, log }));
    }
    if (only === '' || only === 'svn') {
      results.push(await benchImportVcs({
        td: current, cli, reps: reps.import, log, vcs: 'svn', tags: 300,
        generate: async (dir, tags) => {
          const repo = await createSvnBenchRepo(join(dir, 'svn-repo'), { tags, name: 'bench/svn-big' });
          return { url: repo.url, name: 'bench/svn-big', tags };
        },
      }));
    }
    if (only === '' || only === 'ui') {
      results.push(await benchUi({ td: current, log, requests: intEnv('BENCH_UI_REQUESTS', 50, 200) }));
    }
  } finally {
    await current.run();
    current = new Teardowns();
  }

  const rows = results.flatMap((r) => r.rows);
  process.stdout.write(`\n${terminalTable(rows)}\n\n`);
  const info = {
    command: 'npm run bench',
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine,
    reps,
    wrkSeconds: seconds,
    totalSeconds: (Date.now() - started) / 1000,
  };
  const generated = renderGenerated(info, results);
  if (only !== '' || process.env.BENCH_NO_WRITE === '1') {
    process.stdout.write(generated);
    log('partial or BENCH_NO_WRITE run: docs/benchmarks.md left as it was');
  } else {
    writeBenchmarksDoc(join(ROOT, 'docs', 'benchmarks.md'), generated);
    log('wrote docs/benchmarks.md');
  }
  if (rows.some((r) => r.met === false)) log('some goals were missed (see the table)');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
