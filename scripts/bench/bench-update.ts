// Benchmark 3: an update where nothing changed (`packyard package update`) against composer
// reading the same repository with its cache warm; then, over smart HTTP through the recording
// test server, proof that such an update talks to the remote once (one ls-remote, no fetch).
import { dirname, basename } from 'node:path';
import { runGit } from '../../test/helpers/git-repo.js';
import { startGitHttpServer, type RecordedRequest } from '../../test/helpers/git-http-server.js';
import type { BuiltCli } from './cli-build.js';
import { composerShow, lastJob, type GitBenchContext } from './bench-import.js';
import { fmtMs, fmtRatio, median, ok, type Teardowns } from './lib.js';
import type { BenchResult } from './report.js';

export interface UpdateOptions {
  td: Teardowns;
  cli: BuiltCli;
  reps: number;
  ctx: GitBenchContext;
  log: (line: string) => void;
}

/** How many git commands reached the remote: each starts with one ref discovery (GET info/refs). */
function summarize(reqs: RecordedRequest[]): { discoveries: number; posts: number; text: string } {
  const discoveries = reqs.filter((r) => r.method === 'GET' && r.url.includes('/info/refs') && r.status === 200).length;
  const posts = reqs.filter((r) => r.method === 'POST').length;
  const text = reqs.map((r) => `${r.method} ${r.url.replace(/^\/[^/]+/, '…')} ${r.status}`).join(', ');
  return { discoveries, posts, text };
}

export async function benchUpdate(o: UpdateOptions): Promise<BenchResult> {
  const { pky, fixture, org, warmProject } = o.ctx;
  const run = (args: string[], stdin?: string) => o.cli.run(pky.configFile, args, stdin === undefined ? {} : { stdin });

  // Local path, same as composer reads: the comparison the goal is about.
  const cliMs: number[] = [];
  const jobMs: number[] = [];
  const composerMs: number[] = [];
  const fixedMs: number[] = [];
  const details = [
    `Packyard: \`packyard package update --org ${org} ${fixture.name}\` on the package imported above (local path), compiled CLI;`,
    'composer: `composer show --all` again in the project whose cache the cold run filled.',
    '"CLI fixed cost" is `packyard package show` on the same package: node start-up, module loading, opening and',
    'checking the database, no git at all.',
    '',
    '| run | Packyard CLI | Packyard job | composer warm | CLI fixed cost |',
    '|---|---:|---:|---:|---:|',
  ];
  for (let i = 0; i < o.reps; i++) {
    const up = ok(await run(['package', 'update', '--org', org, fixture.name]), 'package update');
    if (!/up to date/.test(up.stdout)) throw new Error(`expected "up to date", got: ${up.stdout}`);
    const job = lastJob(pky);
    const warm = await composerShow(warmProject, fixture.name);
    const show = ok(await run(['package', 'show', '--org', org, fixture.name]), 'package show');
    cliMs.push(up.ms);
    jobMs.push(job.ms);
    composerMs.push(warm.ms);
    fixedMs.push(show.ms);
    o.log(`update run ${i + 1}: Packyard CLI ${fmtMs(up.ms)} (job ${fmtMs(job.ms)}); composer warm ${fmtMs(warm.ms)}; CLI fixed cost ${fmtMs(show.ms)}`);
    details.push(`| ${i + 1} | ${fmtMs(up.ms)} | ${fmtMs(job.ms)} | ${fmtMs(warm.ms)} | ${fmtMs(show.ms)} |`);
  }

  // Over smart HTTP with basic auth: count what reaches the remote.
  const http = await startGitHttpServer({ root: dirname(fixture.bare), username: 'bench', password: 'bench-pass' });
  o.td.teardown(() => http.close());
  const httpOrg = 'update-http';
  ok(await run(['org', 'create', httpOrg]), 'org create');
  ok(await run(['credential', 'add', '--org', httpOrg, 'git-http', '--type', 'http-basic', '--username', 'bench', '--password-stdin'], 'bench-pass\n'), 'credential add');
  const url = http.url(basename(fixture.bare));
  ok(await run(['package', 'add', '--org', httpOrg, url, '--credential', 'git-http']), 'package add over http');
  const first = summarize(http.requests.splice(0));
  const httpCliMs: number[] = [];
  const httpJobMs: number[] = [];
  const counts: string[] = [];
  for (let i = 0; i < o.reps; i++) {
    const up = ok(await run(['package', 'update', '--org', httpOrg, fixture.name]), 'package update over http');
    if (!/up to date/.test(up.stdout)) throw new Error(`expected "up to date" over http, got: ${up.stdout}`);
    const s = summarize(http.requests.splice(0));
    if (s.discoveries !== 1 || s.posts > 1) throw new Error(`unchanged update reached the remote more than once: ${s.text}`);
    httpCliMs.push(up.ms);
    httpJobMs.push(lastJob(pky).ms);
    counts.push(s.text);
  }
  // Control: a new tag must make the same command fetch, or the count above proves nothing.
  await runGit(fixture.bare, ['tag', 'v2.0.0', 'refs/heads/develop']);
  const changed = ok(await run(['package', 'update', '--org', httpOrg, fixture.name]), 'package update after a new tag');
  const control = summarize(http.requests.splice(0));
  if (control.discoveries < 2) throw new Error(`a changed repository should be listed and fetched: ${control.text}`);
  o.log(`update over http: ${counts[0]} per unchanged update (${o.reps} runs); after a new tag: ${control.text}`);

  const cli = median(cliMs);
  const job = median(jobMs);
  const comp = median(composerMs);
  details.push(
    '',
    'The goal is judged on the job time: an update where nothing changed runs inside the server (webhook, API, schedule),',
    'where node is already up. The CLI wall time is node start-up plus loading the modules plus the same job; its fixed',
    `part alone (${fmtMs(median(fixedMs))}) is ${fmtRatio(median(fixedMs) / comp)} of composer's warm run, so no job could bring the CLI under 0.1×.`,
    '',
    `Over smart HTTP (test/helpers/git-http-server.ts in front of \`git http-backend\`, basic auth), the recorded requests were:`,
    '',
    `- first import (\`package add\`): ${first.discoveries} git commands reached the remote (${first.text})`,
    `- each of ${o.reps} unchanged updates: ${counts[0]} — one ref discovery and one ls-refs, i.e. one \`git ls-remote\`, no fetch`,
    `  (CLI ${fmtMs(median(httpCliMs))}, job ${fmtMs(median(httpJobMs))}, medians)`,
    `- control, after adding tag v2.0.0: ${control.discoveries} git commands, ls-remote then fetch (${control.text}); the CLI printed`,
    `  \`${changed.stdout.trim()}\` (the tag points at a commit the mirror has, so the fetch needs no pack)`,
  );
  return {
    title: 'Update where nothing changed',
    rows: [
      { bench: 'unchanged update', measure: 'job in-process (median)', packyard: fmtMs(job), reference: `${fmtMs(comp)} (composer warm)`, ratio: job / comp, goal: 'Packyard ÷ composer ≤ 0.1×', met: job / comp <= 0.1 },
      { bench: 'unchanged update', measure: 'CLI wall time (median)', packyard: fmtMs(cli), reference: `${fmtMs(comp)} (composer warm)`, ratio: cli / comp, goal: 'information', met: null },
      { bench: 'unchanged update', measure: 'CLI fixed cost (median)', packyard: fmtMs(median(fixedMs)), reference: '–', ratio: null, goal: 'information', met: null },
      // Reaching this line means every run passed the check above (it throws otherwise).
      { bench: 'unchanged update', measure: 'git commands reaching the remote', packyard: `1 ls-remote, 0 fetch (${counts.length}/${o.reps} runs)`, reference: '–', ratio: null, goal: 'one ls-remote, no fetch', met: true },
    ],
    details,
  };
}
