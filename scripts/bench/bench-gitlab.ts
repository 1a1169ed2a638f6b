// Benchmarks of GitLab sync against the fake GitLab (test/fakes/gitlab, Premium: group hooks):
// 1. push -> Tag Push Hook (the group hook the first sync installed) -> new version in p2:
//    50 trials, p50 and p99 (goal p50 < 1 s);
// 2. a full reconcile of a group tree of 1,000 projects, 100 subgroups and 2,000 members with
//    20 ms added to every API request, first and unchanged: wall time, and requests against the
//    minimum number of pages, with the requests profiled by endpoint (GitLab's REST API sends no
//    ETags the adapter uses, so an unchanged run costs the same listings again).
import { startFakeGitLab, type FakeGitLab } from '../../test/fakes/gitlab/index.js';
import { startPackyard } from '../../test/helpers/packyard.js';
import { syncOrg } from '../../src/sync/reconcile.js';
import { fmtMs, percentile, waitUntilListed, type Teardowns } from './lib.js';
import type { BenchResult } from './report.js';

const TOKEN = 'glpat-benchgitlabowner000000';
const json = (o: unknown) => `${JSON.stringify(o)}\n`;


/** One gitlab integration `gl` and the organization `acme` synced from the group `acme`. */
const gitlabSyncYaml = (gl: FakeGitLab): string =>
  [
    'integrations:',
    '  - id: gl',
    '    type: gitlab',
    `    url: "${gl.url}"`,
    `    token: "${TOKEN}"`,
    'organizations:',
    '  - name: acme',
    '    sync:',
    '      integration: gl',
    '      source: acme',
    '      schedule: "0 0 1 1 *"',
  ].join('\n');

export async function benchGitLabHookLatency(o: { td: Teardowns; trials: number; log: (l: string) => void }): Promise<BenchResult> {
  const gl = await startFakeGitLab({ tier: 'premium', perPage: 20 });
  o.td.teardown(() => gl.close());
  const s = gl.state;
  s.addUser('owner', { admin: false });
  s.addToken(TOKEN, 'owner', { scopes: ['api'] });
  s.addGroup('acme');
  s.addGroupMember('acme', 'owner', 50);
  await s.addProject('acme/widget', { files: { 'composer.json': json({ name: 'acme/widget' }) } });
  await s.commit('acme/widget', {}, { tag: '0.0.1' });
  const pky = await startPackyard(o.td, { yaml: gitlabSyncYaml(gl) });
  const sync = await syncOrg(pky.deps, 'acme', { trigger: 'bench' });
  if (sync.status !== 'applied') throw new Error(`sync: ${sync.status} ${sync.error ?? ''}`);
  const hooks = s.hooksOf('group', s.group('acme').id);
  if (hooks.length !== 1) throw new Error(`the first sync installed ${hooks.length} group hooks (want 1)`);
  const token = (await pky.cli(['token', 'create', '--org', 'acme', '--user', 'owner'])).stdout.trim();
  const versions = async (): Promise<string[]> => {
    const res = await fetch(`${pky.url}/acme/p2/acme/widget.json`, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) return [];
    return ((await res.json()) as { packages: Record<string, Array<{ version: string }>> }).packages['acme/widget']?.map((v) => v.version) ?? [];
  };
  for (let i = 0; i < 600 && !(await versions()).includes('0.0.1'); i++) await new Promise((r) => setTimeout(r, 50));
  if (!(await versions()).includes('0.0.1')) throw new Error('the first import never listed 0.0.1');
  const ms: number[] = [];
  for (let i = 1; i <= o.trials; i++) {
    const tag = `1.0.${i}`;
    await s.commit('acme/widget', { VERSION: `${tag}\n` }, { branch: 'main' });
    const started = process.hrtime.bigint();
    // Creates the tag in the real repository and fires the Tag Push Hook to the installed group hook.
    const pushed = await gl.push('acme/widget', { tags: { [tag]: 'main' }, as: 'owner' });
    const d = pushed.deliveries.find((x) => x.event === 'Tag Push Hook');
    if (!d || d.status !== 202) throw new Error(`Tag Push Hook delivery answered ${d?.status ?? 'nothing'}`);
    await waitUntilListed(versions, tag);
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const p50 = percentile(ms, 50);
  const p99 = percentile(ms, 99);
  o.log(`gitlab tag push -> p2: p50 ${fmtMs(p50)}, p99 ${fmtMs(p99)} over ${ms.length} trials`);
  return {
    title: 'GitLab: push -> Tag Push Hook -> new version in p2',
    rows: [
      { bench: 'gitlab tag push -> p2', measure: `p50 of ${ms.length} trials`, packyard: fmtMs(p50), reference: '1 s (goal)', ratio: p50 / 1000, goal: 'p50 < 1 s', met: p50 < 1000 },
      { bench: 'gitlab tag push -> p2', measure: `p99 of ${ms.length} trials`, packyard: fmtMs(p99), reference: '–', ratio: null, goal: 'information', met: null },
    ],
    details: [
      'Setup: the fake GitLab (Premium) with the group `acme` and one project that is a package; the first sync installed the group hook',
      '(X-Gitlab-Token: the generated secret). Packyard serving on loopback with its job runner.',
      'Each trial: a commit on main in the fake\'s real repository, then a push of a new tag (`gl.push`: the tag is created and the',
      'Tag Push Hook delivered to the group hook, as GitLab does), then p2 polled every 5 ms until the tag is listed. Timed from the push.',
      '',
      `All trials (ms): ${ms.map((m) => m.toFixed(0)).join(', ')}`,
    ],
  };
}

/** The endpoint kind of an API request path (numeric ids folded), for the request profile. */
function endpointKind(path: string): string {
  const p = path.replace(/^.*\/api\/v4/, '');
  if (/^\/groups\/[^/]+$/.test(p)) return 'GET group';
  if (/^\/groups\/\d+\/descendant_groups$/.test(p)) return 'descendant_groups';
  if (/^\/groups\/\d+\/members\/all$/.test(p)) return 'group members/all';
  if (/^\/groups\/\d+\/projects$/.test(p)) return 'group projects';
  if (/^\/groups\/\d+\/hooks/.test(p)) return 'group hooks';
  if (/^\/projects\/\d+\/repository\/files\//.test(p)) return 'composer.json';
  if (/^\/projects\/\d+\/members$/.test(p)) return 'project members';
  if (/^\/projects\/\d+\/hooks/.test(p)) return 'project hooks';
  return p.replace(/\d+/g, ':id');
}

function profile(reqs: ReadonlyArray<{ path: string }>): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of reqs) {
    const k = endpointKind(r.path);
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return new Map([...out.entries()].sort((a, b) => b[1] - a[1]));
}

const profileText = (m: Map<string, number>): string => [...m.entries()].map(([k, n]) => `${k} ${n}`).join(', ');

/**
 * The same GET requests replayed by a bare client, `concurrency` at a time, without Packyard: how
 * long the fake (20 ms each, plus its own git work for raw files) takes to answer them at best.
 */
async function replay(gl: FakeGitLab, reqs: ReadonlyArray<{ method: string; path: string; query: string }>, concurrency: number): Promise<{ ms: number; perKind: Map<string, number[]> }> {
  const origin = new URL(gl.url).origin;
  const gets = reqs.filter((r) => r.method === 'GET');
  const perKind = new Map<string, number[]>();
  let next = 0;
  const started = Date.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < gets.length) {
      const r = gets[next++] as { path: string; query: string };
      const t0 = Date.now();
      const res = await fetch(`${origin}${r.path}${r.query ? `?${r.query}` : ''}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      await res.arrayBuffer();
      const k = endpointKind(r.path);
      perKind.set(k, [...(perKind.get(k) ?? []), Date.now() - t0]);
    }
  }));
  return { ms: Date.now() - started, perKind };
}

/** "members/all 101 × 180 ms": each kind's count and median answer time in a replay. */
const kindTimes = (m: Map<string, number[]>): string =>
  [...m.entries()].sort((a, b) => b[1].length - a[1].length).map(([k, v]) => {
    const sorted = [...v].sort((a, b) => a - b);
    return `${k} ${v.length} × ${fmtMs(sorted[Math.floor(sorted.length / 2)] ?? 0)}`;
  }).join(', ');

export async function benchGitLabReconcile(o: { td: Teardowns; log: (l: string) => void; projects?: number; subgroups?: number; members?: number; packages?: number }): Promise<BenchResult> {
  const nProjects = o.projects ?? 1000;
  const nTop = 10; // first-level subgroups; the rest are their children
  const nSubgroups = o.subgroups ?? 100;
  const nMembers = o.members ?? 2000;
  const nPackages = o.packages ?? 100;
  const gl = await startFakeGitLab({ tier: 'premium', perPage: 20, latencyMs: 20 });
  o.td.teardown(() => gl.close());
  const s = gl.state;
  const genStart = Date.now();
  s.addUser('owner');
  s.addToken(TOKEN, 'owner', { scopes: ['api'] });
  s.addGroup('acme');
  s.addGroupMember('acme', 'owner', 50);
  // 10 subgroups under acme, the other 90 spread under them (two levels below the source).
  const groups: string[] = [];
  for (let g = 0; g < nSubgroups; g++) {
    const path = g < nTop ? `acme/g${g}` : `acme/g${g % nTop}/s${g}`;
    s.addGroup(path);
    groups.push(path);
  }
  // Each user a direct member of one subgroup (Developer; every 20th a Maintainer).
  for (let i = 0; i < nMembers; i++) {
    s.addUser(`user${i}`);
    s.addGroupMember(groups[i % nSubgroups] as string, `user${i}`, i % 20 === 0 ? 40 : 30);
  }
  for (let r = 0; r < nProjects; r++) {
    const isPackage = r < nPackages;
    await s.addProject(`${groups[r % nSubgroups] as string}/project-${r}`, { files: isPackage ? { 'composer.json': json({ name: `acme/project-${r}` }) } : { 'README.md': 'x\n' } });
  }
  o.log(`gitlab reconcile: fake group tree with ${nSubgroups} subgroups, ${nMembers} members, ${nProjects} projects in ${fmtMs(Date.now() - genStart)}`);
  // The fake answers from real git repositories with a git process per question: "is it empty?"
  // for every project on every page of a project listing (10 pages × 1,000 projects here), and
  // two per raw composer.json. Spawning them blocks the one event loop the fake shares with
  // Packyard in this process (about 20-30 ms each on a small VM), so they would be most of the
  // figure; GitLab answers these from its database and Gitaly. Nothing is pushed while this
  // benchmark runs, so each answer is computed once, before the timing, and kept (BENCH_GITLAB_GIT=1:
  // the fake's git in the loop, for comparison).
  if (process.env.BENCH_GITLAB_GIT !== '1') {
    const memo = <A extends unknown[], R>(fn: (...a: A) => Promise<R>, key: (...a: A) => string) => {
      const kept = new Map<string, Promise<R>>();
      return (...a: A): Promise<R> => {
        const k = key(...a);
        let v = kept.get(k);
        if (!v) kept.set(k, (v = fn(...a)));
        return v;
      };
    };
    s.isEmptyRepo = memo(s.isEmptyRepo.bind(s), (p) => String(p.id));
    s.refSha = memo(s.refSha.bind(s), (p, ref) => `${p.id} ${ref}`);
    s.readFile = memo(s.readFile.bind(s), (p, ref, path) => `${p.id} ${ref} ${path}`);
    const warm = Date.now();
    for (const p of s.projects.values()) {
      await s.isEmptyRepo(p);
      const sha = await s.refSha(p, p.defaultBranch);
      if (sha !== null) await s.readFile(p, sha, 'composer.json');
    }
    o.log(`gitlab reconcile: the fake's git answers computed ahead in ${fmtMs(Date.now() - warm)}`);
  }
  const pky = await startPackyard(o.td, { yaml: gitlabSyncYaml(gl), listen: false });

  const count = () => gl.requests.length;
  const c0 = count();
  const t1 = Date.now();
  const first = await syncOrg(pky.deps, 'acme', { trigger: 'bench' });
  const firstMs = Date.now() - t1;
  if (first.status !== 'applied') throw new Error(`first reconcile: ${first.status} ${first.error ?? ''}`);
  const firstReqs = gl.requests.slice(c0);
  const c1 = count();
  const t2 = Date.now();
  const second = await syncOrg(pky.deps, 'acme', { trigger: 'bench' });
  const secondMs = Date.now() - t2;
  if (second.status !== 'unchanged') throw new Error(`second reconcile planned changes: ${JSON.stringify(second.summary)}`);
  const secondReqs = gl.requests.slice(c1);
  const failed = [...firstReqs, ...secondReqs].filter((r) => r.status >= 400 && !(r.status === 404 && endpointKind(r.path) === 'composer.json'));
  if (failed.length > 0) o.log(`gitlab reconcile: ${failed.length} requests failed, e.g. ${failed[0]?.method} ${failed[0]?.path} -> ${failed[0]?.status}`);

  // The minimum at 100 per page: the source group, its descendant groups, members/all of every
  // group of the tree (effective members: GitLab has no cheaper way to get inherited and shared
  // members), the tree's projects; one composer.json check per project (first run only: later
  // runs only for projects with activity since), one project members listing per package
  // project (direct readers), and the group hook: listed, and created on the first run.
  const pages = (n: number) => Math.max(1, Math.ceil(n / 100));
  const tree = [s.group('acme'), ...groups.map((g) => s.group(g))];
  const sizes = tree.map((g) => {
    const ids = new Set<string>();
    for (const a of [g, ...s.ancestors(g)]) for (const u of a.members.keys()) ids.add(String(u));
    return ids.size;
  });
  const minListing = 1 + pages(nSubgroups) + sizes.reduce((a, n) => a + pages(n), 0) + pages(nProjects);
  const minFirst = minListing + nProjects + nPackages + 2;
  const minSecond = minListing + nPackages + 1;
  const replayFirst = await replay(gl, firstReqs, 8);
  const replaySecond = await replay(gl, secondReqs, 8);
  const floorFirst = replayFirst.ms;
  const floorSecond = replaySecond.ms;
  o.log(`gitlab reconcile: the same GETs replayed by a bare client 8 at a time: first ${fmtMs(floorFirst)} (${kindTimes(replayFirst.perKind)}), unchanged ${fmtMs(floorSecond)} (${kindTimes(replaySecond.perKind)})`);
  const p1 = profile(firstReqs);
  const p2 = profile(secondReqs);
  o.log(`gitlab reconcile: first ${fmtMs(firstMs)} with ${firstReqs.length} requests (minimum ${minFirst}): ${profileText(p1)}`);
  o.log(`gitlab reconcile: second ${fmtMs(secondMs)} with ${secondReqs.length} requests (minimum ${minSecond}): ${profileText(p2)}`);
  return {
    title: `GitLab: full reconcile of a group tree of ${nProjects} projects, ${nSubgroups} subgroups, ${nMembers} members (20 ms per API request)`,
    rows: [
      { bench: 'gitlab reconcile (first)', measure: 'wall time', packyard: fmtMs(firstMs), reference: `${firstReqs.length} requests (minimum ${minFirst})`, ratio: firstReqs.length / minFirst, goal: 'requests ÷ minimum (information)', met: null },
      { bench: 'gitlab reconcile (first)', measure: 'same GETs, bare client', packyard: fmtMs(floorFirst), reference: `${fmtMs(firstMs)} (the sync)`, ratio: firstMs / Math.max(1, floorFirst), goal: 'sync ÷ bare replay (information)', met: null },
      { bench: 'gitlab reconcile (unchanged)', measure: 'wall time', packyard: fmtMs(secondMs), reference: `${secondReqs.length} requests (minimum ${minSecond})`, ratio: secondReqs.length / minSecond, goal: 'requests ÷ minimum (information)', met: null },
      { bench: 'gitlab reconcile (unchanged)', measure: 'same GETs, bare client', packyard: fmtMs(floorSecond), reference: `${fmtMs(secondMs)} (the sync)`, ratio: secondMs / Math.max(1, floorSecond), goal: 'sync ÷ bare replay (information)', met: null },
    ],
    details: [
      `Setup: the fake GitLab (Premium) adds 20 ms to every API request; the group \`acme\` with ${nTop} subgroups and ${nSubgroups - nTop} below them`,
      `(${nSubgroups} subgroups), ${nMembers} users each a direct member of one subgroup (Developer, every 20th Maintainer), the owner an Owner of`,
      `\`acme\`; ${nProjects} projects spread over the subgroups, ${nPackages} of them with a composer.json. Packyard runs the reconcile in-process`,
      '(`syncOrg`), with the forge client\'s default concurrency (8) and 100 rows per page.',
      `Minimum requests: the group, its descendant groups, members/all of each of the ${tree.length} groups, the projects at 100 per page (${minListing}),`,
      `plus one composer.json check per project on the first run (${nProjects}), one project members listing per package project (${nPackages}) and the`,
      'group hook (listed; created on the first run).',
      'Bare replay: the GET requests each sync made, sent again by a bare HTTP client 8 at a time (no paging dependencies, no',
      'Packyard work): what the fake alone takes to answer them (20 ms each, plus a git process or two per raw composer.json).',
      process.env.BENCH_GITLAB_GIT === '1'
        ? 'The fake answered from its git repositories during the syncs (BENCH_GITLAB_GIT=1): a git process per project on every listing page and two per composer.json.'
        : 'The fake\'s git answers (is a repository empty, its head, its composer.json) were computed before the timing and kept: GitLab answers them from its database and Gitaly.',
      `Replayed, count × median answer time: first run ${kindTimes(replayFirst.perKind)}; unchanged run ${kindTimes(replaySecond.perKind)}.`,
      `Requests made, first run: ${profileText(p1)}.`,
      `Requests made, unchanged run: ${profileText(p2)}.`,
      `First reconcile: ${first.summary['packagesToAdd'] ?? 0} packages added, ${first.summary['usersToCreate'] ?? 0} users, ${first.summary['teamsToCreate'] ?? 0} teams, ${first.summary['grantsToAdd'] ?? 0} grants.`,
    ],
  };
}
