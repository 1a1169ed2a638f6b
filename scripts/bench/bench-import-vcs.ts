// Benchmark: first import of a 300-tag Mercurial and a 300-tag Subversion repository with the real
// CLI (`packyard package add --type hg|svn`, which waits for the job) against composer reading the
// same repository cold as a `vcs` repository. Both must list the same number of versions.
import { startPackyard } from '../../test/helpers/packyard.js';
import { makeTempDir, removeDir } from '../../test/helpers/git-repo.js';
import { composerProject } from '../../test/helpers/composer.js';
import type { BuiltCli } from './cli-build.js';
import { composerShow, lastJob } from './bench-import.js';
import { fmtMs, median, ok, type Teardowns } from './lib.js';
import type { BenchResult } from './report.js';

export interface VcsFixture {
  /** What both Packyard and composer are given (a local path or file:// URL). */
  url: string;
  /** The package name in composer.json. */
  name: string;
  tags: number;
}

export interface VcsImportOptions {
  td: Teardowns;
  cli: BuiltCli;
  reps: number;
  log: (line: string) => void;
  vcs: 'hg' | 'svn';
  tags: number;
  generate: (dir: string, tags: number) => Promise<VcsFixture>;
}

export async function benchImportVcs(o: VcsImportOptions): Promise<BenchResult> {
  const work = await makeTempDir(`pky-bench-${o.vcs}-`);
  o.td.teardown(() => removeDir(work));
  const genStart = Date.now();
  const fixture = await o.generate(work, o.tags);
  o.log(`${o.vcs} import: generated ${fixture.tags} tags in ${fmtMs(Date.now() - genStart)}`);
  const pky = await startPackyard(o.td, { listen: false });
  const cliMs: number[] = [];
  const jobMs: number[] = [];
  const composerMs: number[] = [];
  let packyardVersions = 0;
  let composerVersions = 0;
  const label = o.vcs === 'hg' ? 'Mercurial' : 'Subversion';
  const details = [
    `Setup: a ${label} repository with ${fixture.tags} tags on local disk (${fixture.url.startsWith('file:') ? 'file:// URL' : 'path'}).`,
    `Packyard: \`packyard package add --type ${o.vcs} --org ORG URL\` with the compiled CLI (a fresh organization each time, so a fresh mirror),`,
    'timed from spawn to exit; "job" is the job row\'s `finished_at − started_at`.',
    `composer: \`composer show --all ${fixture.name}\` in a fresh project with the repository as \`{"type":"vcs"}\` and an empty cache.`,
    '',
    '| run | Packyard CLI | Packyard job | composer cold |',
    '|---|---:|---:|---:|',
  ];
  for (let i = 0; i < o.reps; i++) {
    const org = `${o.vcs}-import-${i + 1}`;
    ok(await o.cli.run(pky.configFile, ['org', 'create', org]), 'org create');
    const add = ok(await o.cli.run(pky.configFile, ['package', 'add', '--type', o.vcs, '--org', org, fixture.url]), 'package add');
    const job = lastJob(pky);
    if (job.status !== 'done') throw new Error(`${o.vcs} import job ${job.id} ended ${job.status}`);
    packyardVersions = (job.result?.['added'] as unknown[] | undefined)?.length ?? 0;
    cliMs.push(add.ms);
    jobMs.push(job.ms);
    const project = composerProject({ name: 'bench/app', repositories: [{ type: 'vcs', url: fixture.url }], 'minimum-stability': 'dev' });
    o.td.teardown(() => project.cleanup());
    const cold = await composerShow(project, fixture.name);
    composerVersions = cold.versions.length;
    composerMs.push(cold.ms);
    o.log(`${o.vcs} import run ${i + 1}: Packyard CLI ${fmtMs(add.ms)} (job ${fmtMs(job.ms)}, ${packyardVersions} versions); composer cold ${fmtMs(cold.ms)} (${composerVersions} versions)`);
    details.push(`| ${i + 1} | ${fmtMs(add.ms)} | ${fmtMs(job.ms)} | ${fmtMs(cold.ms)} |`);
  }
  if (packyardVersions !== composerVersions) {
    throw new Error(`${o.vcs}: Packyard published ${packyardVersions} versions, composer lists ${composerVersions}`);
  }
  details.push('', `Both list ${packyardVersions} versions.`);
  const cli = median(cliMs);
  const job = median(jobMs);
  const comp = median(composerMs);
  return {
    title: `First import of a ${fixture.tags}-tag ${label} repository`,
    rows: [
      { bench: `first import, ${o.vcs} ${fixture.tags} tags`, measure: 'CLI wall time (median)', packyard: fmtMs(cli), reference: `${fmtMs(comp)} (composer cold)`, ratio: comp / cli, goal: 'composer ÷ Packyard (reported)', met: null },
      { bench: `first import, ${o.vcs} ${fixture.tags} tags`, measure: 'job in-process (median)', packyard: fmtMs(job), reference: `${fmtMs(comp)} (composer cold)`, ratio: comp / job, goal: 'composer ÷ Packyard', met: null },
    ],
    details,
  };
}
