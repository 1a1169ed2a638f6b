// Benchmark 2: the first import of a 1,000-tag git repository with the real CLI (`packyard
// package add`, waits for the job) against composer reading the same bare repository cold as a
// `vcs` repository. Leaves the imported package and composer's warm project for benchmark 3.
import { startPackyard, type TestPackyard } from '../../test/helpers/packyard.js';
import { makeTempDir, removeDir } from '../../test/helpers/git-repo.js';
import { composerProject, parseShowVersions, type ComposerProject } from '../../test/helpers/composer.js';
import type { BuiltCli } from './cli-build.js';
import { generateImportFixture, type FixtureRepo } from './fixture-repos.js';
import { fmtMs, median, ok, type Teardowns, type Timed } from './lib.js';
import type { BenchResult } from './report.js';

export interface JobTiming {
  id: number;
  type: string;
  status: string;
  /** finished_at − started_at: the job inside the process, without node start-up or waiting. */
  ms: number;
  result: Record<string, unknown> | null;
}

/** The newest job's row: the CLI's own job when nothing else runs (no server, no runner). */
export function lastJob(pky: TestPackyard): JobTiming {
  const row = pky.deps.sqlite
    .prepare('SELECT id, type, status, started_at AS s, finished_at AS f, result FROM jobs ORDER BY id DESC LIMIT 1')
    .get() as { id: number; type: string; status: string; s: number | null; f: number | null; result: string | null } | undefined;
  if (!row || row.s === null || row.f === null) throw new Error('no finished job in the jobs table');
  return { id: row.id, type: row.type, status: row.status, ms: row.f - row.s, result: row.result ? (JSON.parse(row.result) as Record<string, unknown>) : null };
}

/** `composer show --all NAME`, timed from spawn to exit like the CLI; returns the versions it lists. */
export async function composerShow(project: ComposerProject, name: string): Promise<Timed & { versions: string[] }> {
  const started = process.hrtime.bigint();
  const r = await project.run(['show', '--all', name], { timeoutMs: 180_000 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.code !== 0) throw new Error(`composer show exited ${r.code}: ${r.stderr.trim()}`);
  return { ...r, ms, versions: parseShowVersions(r.stdout) };
}

export interface GitBenchContext {
  work: string;
  fixture: FixtureRepo;
  pky: TestPackyard;
  /** The organization holding the last imported (local path) package. */
  org: string;
  /** A composer project whose cache is warm for the fixture. */
  warmProject: ComposerProject;
}

export interface ImportOptions {
  td: Teardowns;
  cli: BuiltCli;
  reps: number;
  log: (line: string) => void;
}

export async function benchImport(o: ImportOptions): Promise<{ result: BenchResult; ctx: GitBenchContext }> {
  const work = await makeTempDir('pky-bench-git-');
  o.td.teardown(() => removeDir(work));
  const genStart = Date.now();
  const fixture = await generateImportFixture(work);
  o.log(`import: generated ${fixture.tags} tags + ${fixture.branches.length} branches in ${fmtMs(Date.now() - genStart)}`);
  // No HTTP server and no job runner: the CLI runs its own job, so the job row times the CLI's work.
  const pky = await startPackyard(o.td, { listen: false });

  const cliMs: number[] = [];
  const jobMs: number[] = [];
  const composerMs: number[] = [];
  let org = '';
  let packyardVersions = 0;
  let composerVersions: string[] = [];
  let warmProject: ComposerProject | null = null;
  const details = [
    `Setup: ${fixture.tags} tags (v1.0.0 … v1.9.99) and branches ${fixture.branches.join(', ')} in a bare repository on local disk;`,
    'every other commit changes composer.json, the others a PHP file. No dists are built.',
    'Packyard: `packyard package add --org ORG BARE` with the compiled CLI (a fresh organization each time, so a fresh mirror),',
    'timed from spawn to exit; "job" is `finished_at − started_at` of its row in the jobs table.',
    'composer: `composer show --all bench/big` in a fresh project with `{"repositories":[{"type":"vcs","url":BARE}],',
    '"minimum-stability":"dev"}` and an empty COMPOSER_CACHE_DIR.',
    '',
    '| run | Packyard CLI | Packyard job | composer cold |',
    '|---|---:|---:|---:|',
  ];
  for (let i = 0; i < o.reps; i++) {
    org = `import-${i + 1}`;
    ok(await o.cli.run(pky.configFile, ['org', 'create', org]), 'org create');
    const add = ok(await o.cli.run(pky.configFile, ['package', 'add', '--org', org, fixture.bare]), 'package add');
    const job = lastJob(pky);
    if (job.status !== 'done') throw new Error(`import job ${job.id} ended ${job.status}`);
    packyardVersions = (job.result?.['added'] as unknown[] | undefined)?.length ?? 0;
    cliMs.push(add.ms);
    jobMs.push(job.ms);

    const project = composerProject({ name: 'bench/app', repositories: [{ type: 'vcs', url: fixture.bare }], 'minimum-stability': 'dev' });
    o.td.teardown(() => project.cleanup());
    const cold = await composerShow(project, fixture.name);
    composerVersions = cold.versions;
    composerMs.push(cold.ms);
    warmProject = project;
    o.log(`import run ${i + 1}: Packyard CLI ${fmtMs(add.ms)} (job ${fmtMs(job.ms)}, ${packyardVersions} versions); composer cold ${fmtMs(cold.ms)} (${cold.versions.length} versions)`);
    details.push(`| ${i + 1} | ${fmtMs(add.ms)} | ${fmtMs(job.ms)} | ${fmtMs(cold.ms)} |`);
  }
  // Both must have read the same thing, or the comparison means nothing.
  if (packyardVersions !== composerVersions.length) {
    throw new Error(`Packyard published ${packyardVersions} versions, composer lists ${composerVersions.length}`);
  }
  details.push(
    '',
    `Both list ${packyardVersions} versions. The goal is judged on the CLI wall time (what an admin waits for), which includes`,
    'node start-up and module loading (see "CLI fixed cost" below); the job time is what the server spends.',
  );
  const cli = median(cliMs);
  const job = median(jobMs);
  const comp = median(composerMs);
  const result: BenchResult = {
    title: 'First import of a 1,000-tag repository',
    rows: [
      { bench: 'first import, 1,000 tags', measure: 'CLI wall time (median)', packyard: fmtMs(cli), reference: `${fmtMs(comp)} (composer cold)`, ratio: comp / cli, goal: 'composer ÷ Packyard ≥ 10×', met: comp / cli >= 10 },
      { bench: 'first import, 1,000 tags', measure: 'job in-process (median)', packyard: fmtMs(job), reference: `${fmtMs(comp)} (composer cold)`, ratio: comp / job, goal: 'composer ÷ Packyard', met: null },
    ],
    details,
  };
  if (!warmProject) throw new Error('no composer project');
  return { result, ctx: { work, fixture, pky, org, warmProject } };
}
