// Benchmarks of Bitbucket Data Center sync against the fake (test/fakes/bitbucket-server, 8.19:
// project webhooks, under the context path /bitbucket, Bitbucket's default page size of 25):
// 1. push -> signed repo:refs_changed (the project hook the first sync installed) -> new version
//    in p2: 50 trials, p50 and p99 (goal p50 < 1 s);
// 2. a full reconcile of 50 projects × 20 repositories, 100 groups and 2,000 users with 20 ms
//    added to every API request, first and unchanged: wall time, and requests by endpoint kind
//    against the minimum (every listing at Bitbucket's largest page, 1,000).
import { startFakeBitbucketServer, type FakeBitbucketServer } from '../../test/fakes/bitbucket-server/index.js';
import { startPackyard } from '../../test/helpers/packyard.js';
import { syncOrg } from '../../src/sync/reconcile.js';
import { fmtMs, percentile, waitUntilListed, type Teardowns } from './lib.js';
import type { BenchResult } from './report.js';

const TOKEN = 'bbs-bench-root-http-access-token';
const json = (o: unknown) => `${JSON.stringify(o)}\n`;

/**
 * One bitbucket-server integration `bbs` and the organization `acme` synced from `keys`. The token
 * is the system admin's personal HTTP access token with its username (Basic): Bitbucket takes a
 * personal token as the password of its owner, not with `x-token-auth`, which the adapter's code
 * credential sends for a bare token.
 */
const bitbucketSyncYaml = (bb: FakeBitbucketServer, keys: string): string =>
  [
    'integrations:',
    '  - id: bbs',
    '    type: bitbucket-server',
    `    url: "${bb.url}"`,
    '    username: "root"',
    `    token: "${TOKEN}"`,
    'organizations:',
    '  - name: acme',
    '    sync:',
    '      integration: bbs',
    `      source: "${keys}"`,
    '      schedule: "0 0 1 1 *"',
  ].join('\n');

export async function benchBitbucketServerHookLatency(o: { td: Teardowns; trials: number; log: (l: string) => void }): Promise<BenchResult> {
  const bb = await startFakeBitbucketServer({ contextPath: '/bitbucket', version: '8.19', pageLimit: 25 });
  o.td.teardown(() => bb.close());
  const s = bb.state;
  s.addUser('root', { sysAdmin: true });
  s.addToken(TOKEN, 'root');
  s.addProject('ACME', { name: 'Acme' });
  await s.addRepo('ACME', 'widget', { files: { 'composer.json': json({ name: 'acme/widget' }) } });
  await s.commit('ACME', 'widget', {}, { tag: '0.0.1' });
  const pky = await startPackyard(o.td, { yaml: bitbucketSyncYaml(bb, 'ACME') });
  const sync = await syncOrg(pky.deps, 'acme', { trigger: 'bench' });
  if (sync.status !== 'applied') throw new Error(`sync: ${sync.status} ${sync.error ?? ''}`);
  const hooks = s.hooksOf({ type: 'project', id: s.project('ACME').id });
  if (hooks.length !== 1) throw new Error(`the first sync installed ${hooks.length} project hooks (want 1): ${sync.webhook ?? ''}`);
  const token = (await pky.cli(['token', 'create', '--org', 'acme', '--user', 'root'])).stdout.trim();
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
    // The fake refuses git pushes: the commit and its tag are written into its real repository,
    // then Bitbucket's repo:refs_changed for the new tag goes to the installed project hook.
    const sha = await s.commit('ACME', 'widget', { VERSION: `${tag}\n` }, { tag });
    const started = process.hrtime.bigint();
    const sent = await bb.fire('ACME', 'widget', 'repo:refs_changed', bb.payloads.refsChanged(s.repo('ACME', 'widget'), s.user('root'), [{ ref: `refs/tags/${tag}`, toHash: sha }]));
    const d = sent[0];
    if (sent.length !== 1 || !d || d.status !== 202) throw new Error(`repo:refs_changed delivery answered ${d?.status ?? 'nothing'} (${sent.length} hooks)`);
    await waitUntilListed(versions, tag);
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const p50 = percentile(ms, 50);
  const p99 = percentile(ms, 99);
  o.log(`bitbucket-server refs_changed -> p2: p50 ${fmtMs(p50)}, p99 ${fmtMs(p99)} over ${ms.length} trials`);
  return {
    title: 'Bitbucket Data Center: push -> signed repo:refs_changed -> new version in p2',
    rows: [
      { bench: 'bitbucket-server refs_changed -> p2', measure: `p50 of ${ms.length} trials`, packyard: fmtMs(p50), reference: '1 s (goal)', ratio: p50 / 1000, goal: 'p50 < 1 s', met: p50 < 1000 },
      { bench: 'bitbucket-server refs_changed -> p2', measure: `p99 of ${ms.length} trials`, packyard: fmtMs(p99), reference: '–', ratio: null, goal: 'information', met: null },
    ],
    details: [
      'Setup: the fake Bitbucket Data Center 8.19 under /bitbucket with the project `ACME` and one repository that is a package; the token',
      'is a system admin\'s, so the first sync installed a project hook (X-Hub-Signature: sha256 HMAC with the generated secret).',
      'Packyard serving on loopback with its job runner.',
      'Each trial: a commit and a new tag written into the fake\'s real repository, then `repo:refs_changed` for the tag delivered to the',
      'project hook as Bitbucket sends it (signed), then p2 polled every 5 ms until the tag is listed. Timed from the delivery.',
      '',
      `All trials (ms): ${ms.map((m) => m.toFixed(0)).join(', ')}`,
    ],
  };
}

/** The endpoint kind of an API request (keys, slugs and ids folded), for the request profile. */
export function endpointKind(method: string, path: string, query: string): string {
  const p = path.replace(/^.*\/rest\/api\/(1\.0|latest)/, '');
  const q = new URLSearchParams(query);
  const w = method === 'GET' ? '' : `${method} `;
  if (p === '/users') {
    const perm = q.get('permission') ?? '';
    return `users?permission=${perm}${perm.startsWith('REPO_') ? ' (repository)' : ''}`;
  }
  if (/^\/projects\/[^/]+$/.test(p)) return 'project';
  if (/^\/projects\/[^/]+\/repos$/.test(p)) return 'project repos';
  if (/^\/projects\/[^/]+\/permissions\/groups$/.test(p)) return 'project permissions/groups';
  if (/^\/projects\/[^/]+\/permissions\/PROJECT_READ\/all$/.test(p)) return 'PROJECT_READ/all';
  if (/^\/projects\/[^/]+\/webhooks/.test(p)) return `${w}project webhooks`;
  if (/^\/projects\/[^/]+\/repos\/[^/]+\/raw\//.test(p)) return 'raw composer.json';
  if (/^\/projects\/[^/]+\/repos\/[^/]+\/webhooks/.test(p)) return `${w}repository webhooks`;
  if (p === '/admin/groups/more-members') return 'group members (admin)';
  return `${w}${p.replace(/\/projects\/[^/]+/, '/projects/:key').replace(/\/repos\/[^/]+/, '/repos/:slug')}`;
}

function profile(reqs: ReadonlyArray<{ method: string; path: string; query: string }>): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of reqs) {
    const k = endpointKind(r.method, r.path, r.query);
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return new Map([...out.entries()].sort((a, b) => b[1] - a[1]));
}

const profileText = (m: Map<string, number>): string => [...m.entries()].map(([k, n]) => `${k} ${n}`).join(', ');

/**
 * The same GET requests replayed by a bare client, `concurrency` at a time, without Packyard: how
 * long the fake (20 ms each plus its own work) takes to answer them at best.
 */
async function replay(bb: FakeBitbucketServer, reqs: ReadonlyArray<{ method: string; path: string; query: string }>, concurrency: number): Promise<{ ms: number; perKind: Map<string, number[]> }> {
  const origin = new URL(bb.url).origin;
  const auth = `Basic ${Buffer.from(`root:${TOKEN}`).toString('base64')}`;
  const gets = reqs.filter((r) => r.method === 'GET');
  const perKind = new Map<string, number[]>();
  let next = 0;
  const started = Date.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < gets.length) {
      const r = gets[next++] as { method: string; path: string; query: string };
      const t0 = Date.now();
      const res = await fetch(`${origin}${r.path}${r.query ? `?${r.query}` : ''}`, { headers: { authorization: auth } });
      await res.arrayBuffer();
      const k = endpointKind(r.method, r.path, r.query);
      perKind.set(k, [...(perKind.get(k) ?? []), Date.now() - t0]);
    }
  }));
  return { ms: Date.now() - started, perKind };
}

/** "group members (admin) 100 × 40 ms": each kind's count and median answer time in a replay. */
const kindTimes = (m: Map<string, number[]>): string =>
  [...m.entries()].sort((a, b) => b[1].length - a[1].length).map(([k, v]) => {
    const sorted = [...v].sort((a, b) => a - b);
    return `${k} ${v.length} × ${fmtMs(sorted[Math.floor(sorted.length / 2)] ?? 0)}`;
  }).join(', ');

export async function benchBitbucketServerReconcile(o: { td: Teardowns; log: (l: string) => void; projects?: number; reposPerProject?: number; groups?: number; users?: number; packagesPerProject?: number }): Promise<BenchResult> {
  const nProjects = o.projects ?? 50;
  const nRepos = o.reposPerProject ?? 20;
  const nGroups = o.groups ?? 100;
  const nUsers = o.users ?? 2000;
  const nPkg = o.packagesPerProject ?? 2;
  const bb = await startFakeBitbucketServer({ contextPath: '/bitbucket', version: '8.19', pageLimit: 25, latencyMs: 20 });
  o.td.teardown(() => bb.close());
  const s = bb.state;
  const genStart = Date.now();
  s.addUser('root', { sysAdmin: true });
  s.addToken(TOKEN, 'root');
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const userName = (i: number) => `user${pad(i, 4)}`;
  const groupName = (g: number) => `group-${pad(g, 3)}`;
  for (let i = 0; i < nUsers; i++) s.addUser(userName(i));
  // 100 groups of 20: user i in group i mod 100.
  for (let g = 0; g < nGroups; g++) s.addGroup(groupName(g));
  for (let i = 0; i < nUsers; i++) s.addGroupMember(groupName(i % nGroups), userName(i));
  const keys: string[] = [];
  const packages: Array<{ key: string; slug: string }> = [];
  // Repositories are created 8 at a time (each is a real bare repository: a git process or three).
  const creating: Array<Promise<unknown>> = [];
  const settle = async (max: number) => {
    while (creating.length > max) await creating.shift();
  };
  for (let p = 0; p < nProjects; p++) {
    const key = `P${pad(p, 3)}`;
    keys.push(key);
    // The first project is open to every licensed user (a shared-libraries project): its readers are all 2,000.
    s.addProject(key, { name: `Project ${p}`, defaultPermission: p === 0 ? 'PROJECT_READ' : null });
    // Three groups read or write each project (every group holds a permission on one or two of them)
    // and one user is its admin.
    s.grantProject(key, { group: groupName((2 * p) % nGroups) }, 'PROJECT_WRITE');
    s.grantProject(key, { group: groupName((2 * p + 1) % nGroups) }, 'PROJECT_READ');
    s.grantProject(key, { group: groupName((2 * p + nGroups / 2) % nGroups) }, 'PROJECT_READ');
    s.grantProject(key, { user: userName((p * 37) % nUsers) }, 'PROJECT_ADMIN');
    for (let r = 0; r < nRepos; r++) {
      const slug = `repo-${pad(r, 2)}`;
      const isPackage = r < nPkg;
      // Repositories that are not packages stay empty (no commit): the composer.json check answers 404 either way.
      creating.push(s.addRepo(key, slug, isPackage ? { files: { 'composer.json': json({ name: `acme/${key.toLowerCase()}-${slug}` }) } } : {}));
      await settle(8);
      if (isPackage) packages.push({ key, slug });
    }
  }
  await settle(0);
  // One user with a repository-only permission on each package (a direct reader).
  for (const [i, { key, slug }] of packages.entries()) s.grantRepo(key, slug, { user: userName((Math.floor(i / nPkg) * 37 + 1000 + (i % nPkg)) % nUsers) }, 'REPO_READ');
  o.log(`bitbucket-server reconcile: fake with ${nProjects} projects × ${nRepos} repositories, ${nGroups} groups, ${nUsers} users in ${fmtMs(Date.now() - genStart)}`);
  // The fake answers raw files from its real git repositories with a git process or three per
  // file; spawning them blocks the one event loop it shares with Packyard in this process.
  // Bitbucket answers from its own caches: each answer is computed once before the timing and
  // kept (nothing is pushed while this benchmark runs). BENCH_BBS_GIT=1: the fake's git in the loop.
  if (process.env.BENCH_BBS_GIT !== '1') {
    const kept = new Map<string, ReturnType<typeof s.readFile>>();
    const read = s.readFile.bind(s);
    s.readFile = (r, ref, path) => {
      const k = `${r.id} ${ref} ${path}`;
      let v = kept.get(k);
      if (!v) kept.set(k, (v = read(r, ref, path)));
      return v;
    };
    const warm = Date.now();
    const all = [...s.repos.values()];
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < all.length) {
        const r = all[next++];
        if (r) await s.readFile(r, `refs/heads/${r.defaultBranch}`, 'composer.json');
      }
    }));
    o.log(`bitbucket-server reconcile: the fake's raw composer.json answers computed ahead in ${fmtMs(Date.now() - warm)}`);
  }
  const source = keys.join(',');
  const pky = await startPackyard(o.td, { yaml: bitbucketSyncYaml(bb, source), listen: false });

  const c0 = bb.requests.length;
  const t1 = Date.now();
  const first = await syncOrg(pky.deps, 'acme', { trigger: 'bench' });
  const firstMs = Date.now() - t1;
  if (first.status !== 'applied') throw new Error(`first reconcile: ${first.status} ${first.error ?? ''}`);
  const firstReqs = bb.requests.slice(c0);
  const c1 = bb.requests.length;
  const t2 = Date.now();
  const second = await syncOrg(pky.deps, 'acme', { trigger: 'bench' });
  const secondMs = Date.now() - t2;
  if (second.status !== 'unchanged') throw new Error(`second reconcile planned changes: ${JSON.stringify(second.summary)}`);
  const secondReqs = bb.requests.slice(c1);
  const failed = [...firstReqs, ...secondReqs].filter((r) => r.status >= 400 && !(r.status === 404 && endpointKind(r.method, r.path, r.query) === 'raw composer.json'));
  if (failed.length > 0) o.log(`bitbucket-server reconcile: ${failed.length} requests failed, e.g. ${failed[0]?.method} ${failed[0]?.path} -> ${failed[0]?.status}`);

  // The minimum, every listing at Bitbucket's largest page (1,000): per project the project, its
  // readers (PROJECT_READ+), its admins (owners), its repositories, the all-users grant and its
  // group permissions; per group holding a permission its members (the token is a system admin's);
  // per package repository its REPO_READ+ users (direct readers: the project's readers are known
  // from the snapshot); the project hooks (listed; created on the first run); and on the first
  // run one composer.json check per repository (later runs: only repositories pushed since).
  const pages = (n: number) => Math.max(1, Math.ceil(n / 1000));
  const active = [...s.users.values()].filter((u) => u.active);
  const count = (pred: (u: (typeof active)[number]) => boolean) => active.filter(pred).length;
  let perProject = 0;
  const groupsWithPermission = new Set<string>();
  for (const key of keys) {
    const p = s.project(key);
    perProject += 1 + pages(count((u) => s.projectLevel(u, p) >= 1)) + pages(count((u) => s.projectLevel(u, p) >= 3)) + pages(s.reposOf(p).length) + 1 + 1;
    for (const g of p.grants.groups.keys()) groupsWithPermission.add(g);
  }
  const groupPages = [...groupsWithPermission].reduce((n, g) => n + pages(s.groups.get(g)?.size ?? 0), 0);
  const readerPages = packages.reduce((n, { key, slug }) => n + pages(count((u) => s.repoLevel(u, s.repo(key, slug)) >= 1)), 0);
  const minListing = perProject + groupPages + readerPages + nProjects;
  const minFirst = minListing + s.repos.size + nProjects;
  const minSecond = minListing;
  const replayFirst = await replay(bb, firstReqs, 8);
  const replaySecond = await replay(bb, secondReqs, 8);
  o.log(`bitbucket-server reconcile: the same GETs replayed by a bare client 8 at a time: first ${fmtMs(replayFirst.ms)} (${kindTimes(replayFirst.perKind)}), unchanged ${fmtMs(replaySecond.ms)} (${kindTimes(replaySecond.perKind)})`);
  const p1 = profile(firstReqs);
  const p2 = profile(secondReqs);
  o.log(`bitbucket-server reconcile: first ${fmtMs(firstMs)} with ${firstReqs.length} requests (minimum ${minFirst}): ${profileText(p1)}`);
  o.log(`bitbucket-server reconcile: second ${fmtMs(secondMs)} with ${secondReqs.length} requests (minimum ${minSecond}): ${profileText(p2)}`);
  return {
    title: `Bitbucket Data Center: full reconcile of ${nProjects} projects × ${nRepos} repositories, ${nGroups} groups, ${nUsers} users (20 ms per API request)`,
    rows: [
      { bench: 'bitbucket-server reconcile (first)', measure: 'wall time', packyard: fmtMs(firstMs), reference: `${firstReqs.length} requests (minimum ${minFirst})`, ratio: firstReqs.length / minFirst, goal: 'requests ÷ minimum (information)', met: null },
      { bench: 'bitbucket-server reconcile (first)', measure: 'same GETs, bare client', packyard: fmtMs(replayFirst.ms), reference: `${fmtMs(firstMs)} (the sync)`, ratio: firstMs / Math.max(1, replayFirst.ms), goal: 'sync ÷ bare replay (information)', met: null },
      { bench: 'bitbucket-server reconcile (unchanged)', measure: 'wall time', packyard: fmtMs(secondMs), reference: `${secondReqs.length} requests (minimum ${minSecond})`, ratio: secondReqs.length / minSecond, goal: 'requests ÷ minimum (information)', met: null },
      { bench: 'bitbucket-server reconcile (unchanged)', measure: 'same GETs, bare client', packyard: fmtMs(replaySecond.ms), reference: `${fmtMs(secondMs)} (the sync)`, ratio: secondMs / Math.max(1, replaySecond.ms), goal: 'sync ÷ bare replay (information)', met: null },
    ],
    details: [
      `Setup: the fake Bitbucket Data Center 8.19 under /bitbucket adds 20 ms to every API request and pages at 25 unless asked for more`,
      `(at most 1,000); ${nProjects} projects of ${nRepos} repositories (${packages.length} of them packages with a composer.json, one user with REPO_READ`,
      `on each), ${nUsers} users in ${nGroups} groups of ${nUsers / nGroups}, three groups and one admin user on each project, the first project open`,
      'to all licensed users (PROJECT_READ). The token is a system admin\'s (group members listed, project hooks installed). Packyard runs',
      'the reconcile in-process (`syncOrg`), with the forge client\'s default concurrency (8).',
      `Minimum requests at 1,000 per page: per project the project, its readers, its admins, its repositories, the all-users grant and`,
      `its group permissions; the members of each of the ${groupsWithPermission.size} groups holding a permission; the REPO_READ+ users of each package`,
      `(${minListing - nProjects} in all), the project hooks (${nProjects}; created on the first run: ${nProjects} more), one composer.json check per repository on the first run (${s.repos.size}).`,
      process.env.BENCH_BBS_GIT === '1'
        ? 'The fake answered raw files from its git repositories during the syncs (BENCH_BBS_GIT=1).'
        : 'The fake\'s raw composer.json answers were computed before the timing and kept: Bitbucket answers them from its caches.',
      'Bare replay: the GET requests each sync made, sent again by a bare HTTP client 8 at a time (no paging dependencies, no',
      'Packyard work): what the fake alone takes to answer them.',
      `Replayed, count × median answer time: first run ${kindTimes(replayFirst.perKind)}; unchanged run ${kindTimes(replaySecond.perKind)}.`,
      `Requests made, first run: ${profileText(p1)}.`,
      `Requests made, unchanged run: ${profileText(p2)}.`,
      `First reconcile: ${first.summary['packagesToAdd'] ?? 0} packages added, ${first.summary['usersToCreate'] ?? 0} users, ${first.summary['teamsToCreate'] ?? 0} teams, ${first.summary['grantsToAdd'] ?? 0} grants.`,
    ],
  };
}
