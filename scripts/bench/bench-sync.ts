// Benchmarks of GitHub sync against the fake GHES (test/fakes/ghes):
// 1. push -> signed webhook -> new version in p2: 50 trials, p50 and p99 (goal p50 < 1 s);
// 2. a full reconcile of 1,000 repositories, 100 teams and 2,000 members with 20 ms added to
//    every API request: wall time and requests made against the minimum number of pages; then a
//    second reconcile with nothing changed (conditional requests: ETags answered with 304).
import { startFakeGhes, ZERO_SHA, type FakeGhes } from '../../test/fakes/ghes/index.js';
import { ghesSyncYaml, startPackyard } from '../../test/helpers/packyard.js';
import { syncOrg } from '../../src/sync/reconcile.js';
import { fmtMs, percentile, waitUntilListed, type Teardowns } from './lib.js';
import type { BenchResult } from './report.js';

const TOKEN = 'ghp_benchsyncadmintoken00000000000000000';
const json = (o: unknown) => `${JSON.stringify(o)}\n`;


const syncYaml = (ghe: FakeGhes): string => ghesSyncYaml(ghe, { token: TOKEN });

export async function benchWebhookLatency(o: { td: Teardowns; trials: number; log: (l: string) => void }): Promise<BenchResult> {
  const ghe = await startFakeGhes();
  o.td.teardown(() => ghe.close());
  const s = ghe.state;
  s.addUser('octo-owner');
  s.addToken(TOKEN, 'octo-owner');
  s.addOrg('acme');
  s.addOrgMember('acme', 'octo-owner', 'admin');
  await s.addRepo('acme', 'widget', { files: { 'composer.json': json({ name: 'acme/widget' }) } });
  await s.commit('acme', 'widget', {}, { tag: '0.0.1' });
  const pky = await startPackyard(o.td, { yaml: syncYaml(ghe) });
  const sync = await syncOrg(pky.deps, 'acme', { trigger: 'bench' });
  if (sync.status !== 'applied') throw new Error(`sync: ${sync.status} ${sync.error ?? ''}`);
  const token = (await pky.cli(['token', 'create', '--org', 'acme', '--user', 'octo-owner'])).stdout.trim();
  const versions = async (): Promise<string[]> => {
    const res = await fetch(`${pky.url}/acme/p2/acme/widget.json`, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) return [];
    return ((await res.json()) as { packages: Record<string, Array<{ version: string }>> }).packages['acme/widget']?.map((v) => v.version) ?? [];
  };
  // Wait for the first import.
  for (let i = 0; i < 600 && !(await versions()).includes('0.0.1'); i++) await new Promise((r) => setTimeout(r, 50));
  const ms: number[] = [];
  for (let i = 1; i <= o.trials; i++) {
    const tag = `1.0.${i}`;
    const sha = await s.commit('acme', 'widget', { VERSION: `${tag}\n` }, { tag });
    const payload = await ghe.payloads.push('acme', 'widget', { ref: `refs/tags/${tag}`, before: ZERO_SHA, after: sha });
    const started = process.hrtime.bigint();
    const sent = await ghe.deliver('acme', 'push', payload);
    if (sent[0]?.status !== 202) throw new Error(`delivery answered ${sent[0]?.status}`);
    await waitUntilListed(versions, tag);
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const p50 = percentile(ms, 50);
  const p99 = percentile(ms, 99);
  o.log(`webhook -> p2: p50 ${fmtMs(p50)}, p99 ${fmtMs(p99)} over ${ms.length} trials`);
  return {
    title: 'Push -> signed webhook -> new version in p2',
    rows: [
      { bench: 'push webhook -> p2', measure: `p50 of ${ms.length} trials`, packyard: fmtMs(p50), reference: '1 s (goal)', ratio: p50 / 1000, goal: 'p50 < 1 s', met: p50 < 1000 },
      { bench: 'push webhook -> p2', measure: `p99 of ${ms.length} trials`, packyard: fmtMs(p99), reference: '–', ratio: null, goal: 'information', met: null },
    ],
    details: [
      'Setup: the fake GHES with one repository that is a package; Packyard serving on loopback with its job runner.',
      'Each trial: a new commit and tag in the fake\'s real git repository, a signed `push` delivery (the fake signs with the secret',
      'Packyard installed with the org webhook), then p2 polled every 5 ms until the tag is listed. Timed from sending the delivery.',
      '',
      `All trials (ms): ${ms.map((m) => m.toFixed(0)).join(', ')}`,
    ],
  };
}

export async function benchReconcile(o: { td: Teardowns; log: (l: string) => void; repos?: number; teams?: number; members?: number; packages?: number }): Promise<BenchResult> {
  const nRepos = o.repos ?? 1000;
  const nTeams = o.teams ?? 100;
  const nMembers = o.members ?? 2000;
  const nPackages = o.packages ?? 100;
  const ghe = await startFakeGhes({ latencyMs: 20 });
  o.td.teardown(() => ghe.close());
  const s = ghe.state;
  const genStart = Date.now();
  s.addUser('octo-owner');
  s.addToken(TOKEN, 'octo-owner');
  s.addOrg('acme');
  s.addOrgMember('acme', 'octo-owner', 'admin');
  for (let i = 0; i < nMembers; i++) {
    s.addUser(`user${i}`);
    s.addOrgMember('acme', `user${i}`, 'member');
  }
  for (let t = 0; t < nTeams; t++) {
    s.addTeam('acme', { slug: `team-${t}`, ...(t % 10 !== 0 ? { parent: `team-${t - (t % 10)}` } : {}) });
    for (let m = 0; m < 20; m++) s.addTeamMember('acme', `team-${t}`, `user${(t * 20 + m) % nMembers}`, m === 0 ? 'maintainer' : 'member');
  }
  for (let r = 0; r < nRepos; r++) {
    const isPackage = r < nPackages;
    await s.addRepo('acme', `repo-${r}`, { files: isPackage ? { 'composer.json': json({ name: `acme/repo-${r}` }) } : { 'README.md': 'x\n' } });
    s.grantTeam('acme', `team-${r % nTeams}`, `repo-${r}`, 'pull');
  }
  o.log(`reconcile: fake org with ${nMembers} members, ${nTeams} teams, ${nRepos} repositories in ${fmtMs(Date.now() - genStart)}`);
  const pky = await startPackyard(o.td, { yaml: syncYaml(ghe), listen: false });

  const count = () => ghe.requests.length;
  const c0 = count();
  const t1 = Date.now();
  const first = await syncOrg(pky.deps, 'acme', { trigger: 'bench' });
  const firstMs = Date.now() - t1;
  if (first.status !== 'applied') throw new Error(`first reconcile: ${first.status} ${first.error ?? ''}`);
  const firstRequests = count() - c0;
  const c1 = count();
  const t2 = Date.now();
  const second = await syncOrg(pky.deps, 'acme', { trigger: 'bench' });
  const secondMs = Date.now() - t2;
  if (second.status !== 'unchanged') throw new Error(`second reconcile planned changes: ${JSON.stringify(second.summary)}`);
  const secondReqs = ghe.requests.slice(c1);
  const secondRequests = secondReqs.length;
  const notModified = secondReqs.filter((r) => r.status === 304).length;

  // The minimum: every listing's pages at 100 per page, plus one request per composer.json check
  // (first run: every repository) and per package repository's collaborators.
  const pages = (n: number) => Math.max(1, Math.ceil(n / 100));
  const teamSizes = Array.from({ length: nTeams }, (_, t) => s.teamMembersWithChildren(s.team('acme', `team-${t}`)).length);
  const minListing = 1 /* org */ + pages(nMembers + 1) + 1 /* owners */ + pages(nTeams) + pages(nRepos)
    + teamSizes.reduce((a, n) => a + pages(n), 0) + nTeams /* team repos */;
  const minFirst = minListing + nRepos /* composer.json */ + nPackages /* collaborators */;
  const minSecond = minListing + nPackages;
  o.log(`reconcile: first ${fmtMs(firstMs)} with ${firstRequests} requests (minimum ${minFirst}); second ${fmtMs(secondMs)} with ${secondRequests} requests, ${notModified} answered 304`);
  return {
    title: `Full reconcile of ${nRepos} repositories, ${nTeams} teams, ${nMembers} members (20 ms per API request)`,
    rows: [
      { bench: 'full reconcile (first)', measure: 'wall time', packyard: fmtMs(firstMs), reference: `${firstRequests} requests (minimum ${minFirst})`, ratio: firstRequests / minFirst, goal: 'requests ÷ minimum (information)', met: null },
      { bench: 'full reconcile (unchanged)', measure: 'wall time', packyard: fmtMs(secondMs), reference: `${secondRequests} requests, ${notModified} were 304`, ratio: secondRequests / minSecond, goal: 'requests ÷ minimum (information)', met: null },
    ],
    details: [
      `Setup: the fake GHES adds 20 ms to every API request; ${nMembers} members, ${nTeams} teams (nested ten to a parent, 20 members each),`,
      `${nRepos} repositories each granted to one team, ${nPackages} of them with a composer.json. Packyard runs the reconcile in-process`,
      '(`syncOrg`, what `packyard sync` and the scheduled job run), with the forge client\'s default concurrency.',
      `Minimum requests: every listing at 100 per page (${minListing}), plus one composer.json check per repository that is not a package`,
      `yet (first run: ${nRepos}; later runs only for repositories pushed since) and one collaborators listing per package repository (${nPackages}).`,
      `First reconcile: ${first.summary['packagesToAdd'] ?? 0} packages added, ${first.summary['usersToCreate'] ?? 0} users, ${first.summary['teamsToCreate'] ?? 0} teams, ${first.summary['grantsToAdd'] ?? 0} grants.`,
      `Second reconcile: nothing to change; ${notModified} of ${secondRequests} requests were answered 304 Not Modified (If-None-Match), which GitHub does not count against the rate limit.`,
    ],
  };
}
