// Server-side time of every web UI page (GET) and htmx fragment with a large organization:
// 500 packages (10–30 versions each, with requirements and skipped refs), 50 teams, 300 members,
// a synced forge listing, thousands of jobs and webhook deliveries, tens of thousands of audit rows.
//
// The data is inserted straight into SQLite in one transaction (it is a page-render benchmark,
// not an import one): real schema, real migrations, rows shaped like the ones the importer, the
// sync and the job queue write. Packyard then serves on loopback; each page is requested over one
// keep-alive connection, 5 times to warm up and then N times, one request at a time. The time
// taken is the server's own: reply.elapsedTime (request received -> response written) as the
// app's onResponse hook reports it to the http duration metric. The reference is GET /healthz,
// measured the same way in the same run, interleaved with the pages.
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { startPackyard } from '../../test/helpers/packyard.js';
import { createOrg } from '../../src/services/orgs.js';
import { createUser } from '../../src/services/users.js';
import { fmtMs, percentile, type Teardowns } from './lib.js';
import type { BenchResult, Row } from './report.js';

export const UI_BUDGET_MS = 200;

export interface UiShape {
  packages: number;
  teams: number;
  members: number;
  unaddedRepos: number;
  jobs: number;
  deliveries: number;
  audit: number;
}

const DEFAULT_SHAPE: UiShape = { packages: 500, teams: 50, members: 300, unaddedRepos: 300, jobs: 3000, deliveries: 3000, audit: 30000 };

const ORG = 'acme';
const INTEGRATION = 'ghe';
const DAY = 24 * 3600 * 1000;

/** A small deterministic generator: the same data in every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sha = (s: string) => createHash('sha1').update(s).digest('hex');
const pad = (n: number) => String(n).padStart(3, '0');

export interface Seeded {
  ownerCookie: string;
  memberCookie: string;
  packageName: string;
  packageJobId: number;
  syncJobId: number;
  auditBefore: number;
  counts: Record<string, number>;
}

/** Inserts the organization and everything around it; returns sessions and ids the pages need. */
export function seedUiOrg(sqlite: import('../../src/db/client.js').Sqlite, db: import('../../src/db/client.js').Db, sessions: { create(userId: number): { cookie: string } }, shape: UiShape): Seeded {
  const rand = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const now = Date.now();
  const org = createOrg(db, ORG, 'bench', { sync: { integration: INTEGRATION, source: ORG } });
  const counts: Record<string, number> = {};
  const count = (k: string, n = 1) => (counts[k] = (counts[k] ?? 0) + n);

  const tx = sqlite.transaction(() => {
    // Users, identities, memberships: "owner" (an owner), "member" (a plain member in three
    // teams), and the synced members, five of them owners.
    const user = sqlite.prepare(`INSERT INTO users (login, acl_changed_at, created_at) VALUES (?, ?, ?) RETURNING id`);
    const identity = sqlite.prepare(`INSERT INTO identities (user_id, integration, external_id, login, created_at) VALUES (?, ?, ?, ?, ?)`);
    const member = sqlite.prepare(`INSERT INTO org_members (org_id, user_id, role, source, created_at) VALUES (?, ?, ?, 'sync', ?)`);
    const logins = ['owner', 'member', ...Array.from({ length: shape.members - 2 }, (_, i) => `dev-${pad(i)}`)];
    const userIds: number[] = [];
    logins.forEach((login, i) => {
      const id = (user.get(login, now, now) as { id: number }).id;
      userIds.push(id);
      identity.run(id, INTEGRATION, String(1000 + i), login, now);
      member.run(org.id, id, i === 0 || i % 60 === 7 ? 'owner' : 'member', now);
      count('users');
    });
    const [ownerId, memberId] = userIds as [number, number];

    // Teams: nested ten to a parent, 20 members each; "member" is in teams 1, 2 and 3.
    const team = sqlite.prepare(`INSERT INTO teams (org_id, slug, name, external_id, parent_id, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`);
    const teamMember = sqlite.prepare(`INSERT OR IGNORE INTO team_members (team_id, user_id, role) VALUES (?, ?, ?)`);
    const teamIds: number[] = [];
    for (let t = 0; t < shape.teams; t++) {
      const parent = t % 10 === 0 ? null : (teamIds[t - (t % 10)] as number);
      const id = (team.get(org.id, `team-${pad(t)}`, `Team ${pad(t)}`, String(5000 + t), parent, now) as { id: number }).id;
      teamIds.push(id);
      for (let m = 0; m < 20; m++) {
        teamMember.run(id, userIds[2 + ((t * 20 + m) % (userIds.length - 2))] as number, m === 0 ? 'maintainer' : 'member');
        count('team memberships');
      }
      if (t >= 1 && t <= 3) teamMember.run(id, memberId, 'member');
    }

    // Packages: 10–30 tagged versions and a dev-main each, with requirements; a few skipped refs;
    // a forge repository each (plus repositories that are not packages yet); read access for
    // one or two teams each.
    const pkg = sqlite.prepare(
      `INSERT INTO packages (org_id, name, url, vcs_type, default_branch, remote_state_hash, status, last_updated_at, integration, forge_status, created_at)
       VALUES (?, ?, ?, 'git', 'main', ?, ?, ?, ?, 'active', ?) RETURNING id`,
    );
    const version = sqlite.prepare(
      `INSERT INTO versions (package_id, version, normalized, is_dev, ref_kind, ref_name, "commit", stability, time, data, position)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const ref = sqlite.prepare(`INSERT INTO package_refs (package_id, kind, name, "commit", version, skip_reason) VALUES (?, ?, ?, ?, ?, ?)`);
    const repo = sqlite.prepare(
      `INSERT INTO forge_repos (org_id, integration, external_id, full_name, default_branch, visibility, archived, clone_url, pushed_at, composer, composer_checked_at, package_id, updated_at)
       VALUES (?, ?, ?, ?, 'main', ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const access = sqlite.prepare(`INSERT OR IGNORE INTO package_access (package_id, team_id, permission, source, created_at) VALUES (?, ?, ?, 'sync', ?)`);
    const deps = ['php', 'ext-json', 'psr/log', 'psr/container', 'symfony/console', 'guzzlehttp/guzzle', 'monolog/monolog', 'doctrine/dbal'];
    const packageIds: number[] = [];
    for (let p = 0; p < shape.packages; p++) {
      const name = `${ORG}/pkg-${pad(p)}`;
      const url = `https://ghe.example/${ORG}/pkg-${pad(p)}.git`;
      const status = p % 97 === 5 ? 'error' : 'ok';
      const id = (pkg.get(org.id, name, url, sha(name), status, now - Math.floor(rand() * 30 * DAY), INTEGRATION, now) as { id: number }).id;
      packageIds.push(id);
      count('packages');
      const tags = 10 + Math.floor(rand() * 21);
      const require: Record<string, string> = { php: '>=8.1' };
      for (let r = 0; r < 2 + Math.floor(rand() * 5); r++) require[pick(deps)] = `^${1 + Math.floor(rand() * 6)}.0`;
      const entry = (v: string) => JSON.stringify({
        name, version: v, description: `Package ${pad(p)}: a library the ${ORG} teams share`, type: 'library', license: ['proprietary'],
        require, 'require-dev': { 'phpunit/phpunit': '^10.5' }, autoload: { 'psr-4': { [`Acme\\Pkg${pad(p)}\\`]: 'src/' } },
      });
      let position = 0;
      version.run(id, 'dev-main', 'dev-main', 1, 'branch', 'main', sha(`${name}main`), 'dev', new Date(now - DAY).toISOString(), entry('dev-main'), position++);
      ref.run(id, 'branch', 'main', sha(`${name}main`), 'dev-main', null);
      count('versions');
      for (let t = tags - 1; t >= 0; t--) {
        const v = `1.${Math.floor(t / 10)}.${t % 10}`;
        const commit = sha(`${name}${v}`);
        version.run(id, `v${v}`, `${v}.0`, 0, 'tag', `v${v}`, commit, 'stable', new Date(now - (tags - t) * 7 * DAY).toISOString(), entry(`v${v}`), position++);
        ref.run(id, 'tag', `v${v}`, commit, `v${v}`, null);
        count('versions');
      }
      for (let s = 0; s < 1 + (p % 4); s++) {
        ref.run(id, 'tag', `nightly-${s}`, sha(`${name}skip${s}`), null, s % 2 === 0 ? 'not a valid version name' : 'composer.json is not valid JSON');
        count('skipped refs');
      }
      repo.run(org.id, INTEGRATION, String(20000 + p), `${ORG}/pkg-${pad(p)}`, p % 5 === 0 ? 'internal' : 'private', 0, url, new Date(now).toISOString(), 'yes', new Date(now).toISOString(), id, now);
      access.run(id, teamIds[p % shape.teams], 'pull', now);
      if (p % 3 === 0) access.run(id, teamIds[(p * 7 + 3) % shape.teams], 'push', now);
      count('forge repositories');
    }
    for (let r = 0; r < shape.unaddedRepos; r++) {
      const composer = r % 3 === 0 ? 'yes' : r % 3 === 1 ? 'no' : 'unknown';
      repo.run(org.id, INTEGRATION, String(40000 + r), `${ORG}/service-${pad(r)}`, 'private', r % 25 === 0 ? 1 : 0, `https://ghe.example/${ORG}/service-${pad(r)}.git`,
        new Date(now).toISOString(), composer, composer === 'unknown' ? null : new Date(now).toISOString(), null, now);
      count('forge repositories');
    }

    // Jobs: package updates (most done, some failed) and syncs, over the last weeks.
    const job = sqlite.prepare(
      `INSERT INTO jobs (type, lock_key, payload, status, attempts, max_attempts, run_after, created_at, started_at, finished_at, error, result, trigger)
       VALUES (?, ?, ?, ?, 1, 3, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    );
    let packageJobId = 0;
    let syncJobId = 0;
    for (let j = 0; j < shape.jobs; j++) {
      const at = now - (shape.jobs - j) * 10 * 60 * 1000;
      if (j % 15 === 0) {
        syncJobId = (job.get('sync-org', `sync:${ORG}`, JSON.stringify({ org: ORG }), 'done', at, at, at + 10, at + 4000, null,
          JSON.stringify({ status: 'unchanged', summary: { usersToCreate: 0, membersToAdd: 0 } }), 'schedule') as { id: number }).id;
      } else {
        const pid = packageIds[Math.floor(rand() * packageIds.length)] as number;
        const failed = j % 40 === 3;
        const id = (job.get('update-package', `package:${pid}`, JSON.stringify({ packageId: pid, force: false }), failed ? 'failed' : 'done', at, at, at + 10, at + 800,
          failed ? 'git ls-remote failed: remote unreachable' : null, failed ? null : JSON.stringify({ added: j % 4 === 0 ? ['v1.0.0'] : [], removed: [], changed: j % 4 === 0 }),
          j % 2 === 0 ? 'webhook' : 'schedule') as { id: number }).id;
        if (pid === packageIds[250]) packageJobId = id;
      }
      count('jobs');
    }
    if (packageJobId === 0) {
      packageJobId = (job.get('update-package', `package:${packageIds[250]}`, '{}', 'done', now, now, now, now, null, JSON.stringify({ added: [], removed: [], changed: false }), 'ui:owner') as { id: number }).id;
    }

    // Webhook deliveries: pushes that queued updates, pushes to repositories that are not
    // packages, pings and events not used.
    const delivery = sqlite.prepare(`INSERT INTO deliveries (integration, delivery_id, event, action, received_at, status, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    for (let d = 0; d < shape.deliveries; d++) {
      const at = now - (shape.deliveries - d) * 5 * 60 * 1000;
      const kind = d % 10;
      const p = Math.floor(rand() * shape.packages);
      const [event, action, status, outcome] = kind < 6
        ? ['push', null, 'accepted', `push on ${ORG}/pkg-${pad(p)}: update queued (jobs ${d + 1})`]
        : kind < 8
          ? ['push', null, 'ignored', `push on ${ORG}/service-${pad(p % shape.unaddedRepos)}: not a package`]
          : kind === 8
            ? ['membership', 'added', 'accepted', `membership added: sync of ${ORG} queued (jobs ${d + 1})`]
            : ['issues', 'opened', 'ignored', 'event issues is not used'];
      delivery.run(INTEGRATION, randomBytes(16).toString('hex'), event, action, at, status, outcome);
      count('deliveries');
    }

    // Audit rows: the organization's (sync, updates, tokens) and instance-wide ones in between.
    const audit = sqlite.prepare(`INSERT INTO audit_log (at, org_id, actor, action, target, details) VALUES (?, ?, ?, ?, ?, ?)`);
    const actions = ['package.update', 'package.add', 'sync.apply', 'member.add', 'team.member.add', 'token.create', 'token.revoke', 'package.hook.rotate'];
    for (let a = 0; a < shape.audit; a++) {
      const at = now - (shape.audit - a) * 60 * 1000;
      const instanceWide = a % 5 === 4;
      audit.run(at, instanceWide ? null : org.id, pick(['sync', 'schedule', 'ui:owner', 'cli', 'webhook:ghe']), pick(actions),
        instanceWide ? `user dev-${pad(a % 300)}` : `${ORG}/pkg-${pad(a % shape.packages)}`, JSON.stringify({ job: a, added: ['v1.0.0'] }));
      count('audit rows');
    }

    // Sync runs (the settings page lists the last ten) and tokens (the tokens page).
    const run = sqlite.prepare(`INSERT INTO sync_runs (org_id, trigger, status, started_at, finished_at, summary, error, requests) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    for (let r = 0; r < 200; r++) {
      const at = now - (200 - r) * 3600 * 1000;
      run.run(org.id, 'schedule', r % 9 === 0 ? 'applied' : 'unchanged', at, at + 3000, JSON.stringify({ membersToAdd: r % 9 === 0 ? 2 : 0 }), null, 250);
    }
    const token = sqlite.prepare(`INSERT INTO tokens (kind, user_id, org_id, scope, name, hash, hint, expires_at, created_at, last_used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    for (let t = 0; t < 8; t++) token.run('user', ownerId, org.id, t % 2 ? 'update' : 'read', `laptop ${t}`, randomBytes(32).toString('hex'), `pky_${t}abc`, null, now - t * DAY, now - t * 3600_000, t === 7 ? now : null);
    for (let t = 0; t < 15; t++) token.run('org', null, org.id, 'read', `ci ${t}`, randomBytes(32).toString('hex'), `pky_${t}ci`, now + 90 * DAY, now - t * DAY, now - t * 60_000, null);
    return { ownerId, memberId, packageJobId, syncJobId };
  });
  const ids = tx.immediate();
  sqlite.prepare('ANALYZE').run();
  const auditBefore = (sqlite.prepare(`SELECT id FROM audit_log WHERE org_id = ? ORDER BY id DESC LIMIT 1 OFFSET 50`).get(org.id) as { id: number }).id;
  return {
    ownerCookie: sessions.create(ids.ownerId).cookie,
    memberCookie: sessions.create(ids.memberId).cookie,
    packageName: `${ORG}/pkg-250`,
    packageJobId: ids.packageJobId,
    syncJobId: ids.syncJobId,
    auditBefore,
    counts,
  };
}

interface PageCase {
  label: string;
  path: string;
  as: 'owner' | 'member' | 'admin' | 'none';
  hx?: boolean;
}


export async function benchUi(o: { td: Teardowns; log: (l: string) => void; requests?: number; shape?: Partial<UiShape> }): Promise<BenchResult> {
  const shape = { ...DEFAULT_SHAPE, ...o.shape };
  const n = o.requests ?? 50;
  const warmup = 5;
  const pky = await startPackyard(o.td, {});
  const seedStart = Date.now();
  const s = seedUiOrg(pky.deps.sqlite, pky.deps.db, pky.deps.sessions, shape);
  const seedMs = Date.now() - seedStart;
  o.log(`ui: seeded ${Object.entries(s.counts).map(([k, v]) => `${v} ${k}`).join(', ')} in ${fmtMs(seedMs)}`);

  // reply.elapsedTime as the app's own onResponse hook reports it (src/app.ts): every
  // observation of the duration histogram is also kept here, with its route.
  const seen: Array<{ route: string; ms: number }> = [];
  const hist = pky.deps.metrics.httpDuration;
  const observe = hist.observe.bind(hist);
  hist.observe = ((labels: Record<string, string | number>, value: number) => {
    seen.push({ route: String(labels.route), ms: value * 1000 });
    observe(labels, value);
  }) as typeof hist.observe;

  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  o.td.teardown(() => agent.destroy());
  const base = new URL(pky.url);
  // An instance admin for the instance-wide pages (New organization).
  const admin = createUser(pky.deps.db, 'bench-admin', { admin: true }, 'bench');
  const cookies = { owner: s.ownerCookie, member: s.memberCookie, admin: pky.deps.sessions.create(admin.id).cookie, none: '' };
  const get = (c: PageCase) =>
    new Promise<{ status: number; bytes: number }>((resolve, reject) => {
      const headers: Record<string, string> = {};
      if (c.as !== 'none') headers.cookie = `packyard_session=${cookies[c.as]}`;
      if (c.hx) headers['hx-request'] = 'true';
      const req = request({ host: base.hostname, port: base.port, path: c.path, method: 'GET', agent, headers }, (res) => {
        let bytes = 0;
        res.on('data', (b: Buffer) => (bytes += b.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  /** One request; its server-side time once the hook has reported it (it runs on 'finish'). */
  const timed = async (c: PageCase): Promise<{ ms: number; status: number; bytes: number }> => {
    const before = seen.length;
    const res = await get(c);
    const deadline = Date.now() + 5000;
    while (seen.length === before) {
      if (Date.now() > deadline) throw new Error(`no timing reported for ${c.path}`);
      await new Promise((r) => setImmediate(r));
    }
    return { ms: (seen[seen.length - 1] as { ms: number }).ms, status: res.status, bytes: res.bytes };
  };

  const pkgPath = `/${ORG}/-/packages/${s.packageName}`;
  const cases: PageCase[] = [
    { label: 'home (organizations)', path: '/', as: 'owner' },
    { label: 'organization page', path: `/${ORG}/`, as: 'owner' },
    { label: 'organization page (plain member)', path: `/${ORG}/`, as: 'member' },
    { label: 'package list (no htmx)', path: `/${ORG}/-/packages`, as: 'owner' },
    { label: 'package search fragment', path: `/${ORG}/-/packages?q=pkg-2`, as: 'owner', hx: true },
    { label: 'package search fragment (plain member)', path: `/${ORG}/-/packages?q=pkg-2`, as: 'member', hx: true },
    { label: 'package search fragment, no match', path: `/${ORG}/-/packages?q=nothing-like-this`, as: 'owner', hx: true },
    { label: 'package page', path: pkgPath, as: 'owner' },
    { label: 'package job poll fragment', path: `${pkgPath}/jobs/${s.packageJobId}`, as: 'owner', hx: true },
    { label: 'add package (synced repo list)', path: `/${ORG}/-/packages/new`, as: 'owner' },
    { label: 'teams and members', path: `/${ORG}/-/teams`, as: 'owner' },
    { label: 'teams and members (plain member)', path: `/${ORG}/-/teams`, as: 'member' },
    { label: 'tokens', path: `/${ORG}/-/tokens`, as: 'owner' },
    { label: 'settings', path: `/${ORG}/-/settings`, as: 'owner' },
    { label: 'sync job poll fragment', path: `/${ORG}/-/settings/sync/jobs/${s.syncJobId}`, as: 'owner', hx: true },
    { label: 'activity (jobs, deliveries)', path: `/${ORG}/-/activity`, as: 'owner' },
    { label: 'audit log (first page)', path: `/${ORG}/-/audit`, as: 'owner' },
    { label: 'audit log "Load more" fragment', path: `/${ORG}/-/audit?before=${s.auditBefore}`, as: 'owner', hx: true },
    { label: 'profile', path: '/-/profile', as: 'owner' },
    { label: 'new organization (instance admin)', path: '/-/orgs/new', as: 'admin' },
    { label: 'home (instance admin: every organization)', path: '/', as: 'admin' },
    { label: 'login page (signed out)', path: '/login', as: 'none' },
  ];
  const reference: PageCase = { label: 'GET /healthz (reference)', path: '/healthz', as: 'none' };

  // Every page must answer 200 with its content before anything is timed.
  for (const c of [reference, ...cases]) {
    const r = await get(c);
    if (r.status !== 200) throw new Error(`${c.label}: GET ${c.path} answered ${r.status}`);
  }

  const refMs: number[] = [];
  const results: Array<{ c: PageCase; ms: number[]; bytes: number }> = [];
  for (const c of cases) {
    for (let i = 0; i < warmup; i++) await timed(c);
    const ms: number[] = [];
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      // The reference interleaved with the page: both see the same machine at the same moment.
      refMs.push((await timed(reference)).ms);
      const r = await timed(c);
      if (r.status !== 200) throw new Error(`${c.label}: ${r.status}`);
      ms.push(r.ms);
      bytes = r.bytes;
    }
    results.push({ c, ms, bytes });
    o.log(`ui: ${c.label}: p50 ${fmtMs(percentile(ms, 50))}, p95 ${fmtMs(percentile(ms, 95))}, max ${fmtMs(Math.max(...ms))} (${bytes} B)`);
  }
  const ref50 = percentile(refMs, 50);
  const ref95 = percentile(refMs, 95);
  o.log(`ui: /healthz reference: p50 ${fmtMs(ref50)}, p95 ${fmtMs(ref95)} over ${refMs.length} requests`);

  const fmt = (ms: number) => (ms < 1 ? `${ms.toFixed(2)} ms` : fmtMs(ms));
  // The ratio is of medians (p95s of sub-millisecond requests are mostly the scheduler's);
  // the budget is judged on the p95.
  const rows: Row[] = results.map(({ c, ms }) => {
    const p95 = percentile(ms, 95);
    return {
      bench: `UI: ${c.label}`,
      measure: `server p50 / p95 of ${ms.length}`,
      packyard: `${fmt(percentile(ms, 50))} / ${fmt(p95)}`,
      reference: `${fmt(ref50)} (/healthz p50)`,
      ratio: percentile(ms, 50) / ref50,
      goal: `p95 < ${UI_BUDGET_MS} ms`,
      met: p95 < UI_BUDGET_MS,
    };
  });
  const worst = results.reduce((a, b) => (percentile(b.ms, 95) > percentile(a.ms, 95) ? b : a));
  const c = s.counts;
  return {
    title: `Web UI pages, server-side time, one organization of ${shape.packages} packages`,
    rows,
    details: [
      `Setup: one synced organization with ${c['packages']} packages (${c['versions']} versions, 10–30 tags and dev-main each, every one with`,
      `requirements; ${c['skipped refs']} skipped refs), ${shape.teams} teams (nested ten to a parent, 20 members each) and ${c['users']} members,`,
      `${c['forge repositories']} forge repositories (${shape.unaddedRepos} not added as packages), ${c['jobs']} jobs, ${c['deliveries']} webhook deliveries,`,
      `${c['audit rows']} audit rows (a fifth of them instance-wide), 200 sync runs, 23 tokens. Inserted straight into SQLite in one`,
      `transaction (${fmtMs(seedMs)}, then ANALYZE) by scripts/bench/bench-ui.ts; no repository is imported.`,
      `Each page: ${warmup} warm-up requests, then ${n} requests one at a time over one keep-alive connection, each after a GET /healthz`,
      'as the reference. Time is the server\'s own: `reply.elapsedTime` (request received to response written) as the app\'s onResponse hook',
      `reports it. Signed in as an owner of the organization unless the page says "plain member" (a member in 3 of the ${shape.teams} teams, so`,
      'package lists are filtered by team grants). Fragments are requested with `HX-Request: true`, as htmx sends them.',
      '',
      '| page | path | p50 | p95 | max | p50 ÷ /healthz p50 | p95 ÷ /healthz p95 | body | budget (p95 < 200 ms) |',
      '|---|---|---:|---:|---:|---:|---:|---:|---|',
      ...results.map(({ c: pc, ms, bytes }) => {
        const p50 = percentile(ms, 50);
        const p95 = percentile(ms, 95);
        const max = Math.max(...ms);
        return `| ${pc.label} | \`${pc.path.replace(/\|/g, '\\|')}\` | ${fmt(p50)} | ${fmt(p95)} | ${fmt(max)} | ${(p50 / ref50).toFixed(1)}× | ${(p95 / ref95).toFixed(1)}× | ${(bytes / 1024).toFixed(1)} KiB | ${p95 < UI_BUDGET_MS ? 'PASS' : '**FAIL**'}${max >= UI_BUDGET_MS ? ' (max over)' : ''} |`;
      }),
      `| reference: /healthz | \`/healthz\` | ${fmt(ref50)} | ${fmt(ref95)} | ${fmt(Math.max(...refMs))} | 1.0× | 1.0× | – | – |`,
      '',
      `Slowest page at p95: ${worst.c.label}, ${fmt(percentile(worst.ms, 95))}.`,
    ],
  };
}
