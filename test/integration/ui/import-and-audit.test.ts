// "Add" follows the import: the htmx answer polls the job and ends with a link to the package
// page (or the import's error); without htmx a page shows the same; only those who may add
// packages in the organization see the job. The audit log names teams, users, repositories and
// packages (ids only for objects that are gone), for rows a real sync wrote and local ones.
import t from 'tap';
import { waitFor } from '../../helpers/wait.js';
import { join } from 'node:path';
import { signIn, type Browser } from '../../helpers/ui.js';
import { PASSWORD, uiFixture, XSS } from '../../helpers/ui-fixture.js';
import { createGitRepo, makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { ForgeError } from '../../../src/forges/types.js';
import { FakeForge } from '../../fakes/forge.js';
import type { ForgeFactory } from '../../../src/sync/forges.js';
import { syncOrg } from '../../../src/sync/reconcile.js';

const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';


/** corp on the forge: a team with a hostile name that reads corp/shared; `withTeam` off removes it. */
const fake = new FakeForge({
  org: { id: 'o1', login: 'corp' },
  users: [{ id: '101', login: 'frank' }, { id: '102', login: 'carol' }],
  owners: ['101'],
  members: ['102'],
  repositories: [{ id: 'r-shared', fullName: 'corp/shared', pushedAt: '2026-01-01T00:00:00Z' }],
}, { integrationId: 'ghe' });
fake.fail.ensureWebhook = new ForgeError('unavailable', 'not used');
const forgeState = {
  set withTeam(on: boolean) {
    fake.world.teams = on ? [{ id: 't-core', slug: 'core', name: `Core ${XSS}`, members: ['102'] }] : [];
    fake.world.grants = on ? [{ repoId: 'r-shared', subject: { kind: 'team', teamId: 't-core' }, label: 'pull' }] : [];
  },
};
forgeState.withTeam = true;
const stubForge: ForgeFactory = () => fake;

t.test('add follows the import; the audit log names things', async (t) => {
  const yaml = ['integrations:', '  - id: ghe', '    type: github', '    url: "https://github.example"', '    token: "test-token"'].join('\n');
  const { pky, app } = await uiFixture(t, { yaml, forgeFactory: stubForge });
  const sqlite = pky.deps.sqlite;
  const now = Date.now();
  const corpId = (sqlite.prepare(`SELECT id FROM organizations WHERE name = 'corp'`).get() as { id: number }).id;
  const uid = (login: string) => (sqlite.prepare('SELECT id FROM users WHERE login = ?').get(login) as { id: number }).id;
  sqlite.prepare(`INSERT INTO identities (user_id, integration, external_id, login, created_at) VALUES (?, 'ghe', '101', 'frank', ?), (?, 'ghe', '102', 'carol', ?)`)
    .run(uid('frank'), now, uid('carol'), now);
  sqlite.prepare(
    `INSERT INTO forge_repos (org_id, integration, external_id, full_name, default_branch, visibility, archived, clone_url, pushed_at, composer, updated_at)
     VALUES (?, 'ghe', 'r-tool', 'corp/tool', 'main', 'private', 0, 'https://git.example/corp/tool.git', '2026-01-01T00:00:00Z', 'yes', ?)`,
  ).run(corpId, now);

  const as: Record<string, Browser> = {};
  for (const login of ['root', 'alice', 'frank', 'carol']) as[login] = await signIn(app, login, PASSWORD);
  const { root, alice, frank, carol } = as as Record<'root' | 'alice' | 'frank' | 'carol', Browser>;
  const hx = (b: Browser) => ({ 'hx-request': 'true', 'x-csrf-token': b.csrf });
  const work = await makeTempDir('pky-import-');
  t.teardown(() => removeDir(work));

  /** Polls the fragment (as htmx would) until the import ends. */
  const pollUntilEnded = (b: Browser, url: string) =>
    waitFor(`the import at ${url}`, async () => {
      const f = await b.get(url, { 'hx-request': 'true' });
      return /class="job import (done|failed)"/.test(f.body) ? f : null;
    });

  await t.test('by URL with htmx: the form becomes the import status, then a link to the package', async (t) => {
    const page = await alice.get('/acme/-/packages/new');
    t.match(page.body, /<div id="add-by-url">[\s\S]*hx-post="\/acme\/-\/packages\/new" hx-target="#add-by-url" hx-swap="outerHTML"/);
    const bar = await createGitRepo(join(work, 'bar'), { defaultBranch: 'main' });
    await bar.commit({ 'composer.json': JSON.stringify({ name: 'acme/bar' }) }, 'one');
    await bar.tag('v1.0.0');
    const r = await alice.post('/acme/-/packages/new', { url: bar.dir, type: 'git', credential: '' }, hx(alice));
    t.equal(r.statusCode, 201);
    t.notMatch(r.body, /<html/, 'a fragment');
    const m = /hx-get="(\/acme\/-\/packages\/new\/jobs\/(\d+))" hx-trigger="every 500ms" hx-swap="outerHTML"/.exec(r.body);
    t.ok(m, 'the fragment polls every 500 ms');
    t.match(r.body, /^<div id="add-by-url">/, 'it replaces the form');
    const pollUrl = m?.[1] ?? '';
    const job = sqlite.prepare(`SELECT type, lock_key AS lockKey FROM jobs WHERE id = ?`).get(Number(m?.[2])) as { type: string; lockKey: string };
    const pkgId = (sqlite.prepare(`SELECT id FROM packages WHERE url = ?`).get(bar.dir) as { id: number }).id;
    t.same(job, { type: 'update-package', lockKey: `package:${pkgId}` });

    const done = await pollUntilEnded(alice, pollUrl);
    t.notMatch(done.body, /<html/);
    t.match(done.body, /class="job import done"/);
    t.match(done.body, '<a class="package-link" href="/acme/-/packages/acme/bar">acme/bar</a>', 'a link to the package page by its name');
    t.notMatch(done.body, /hx-trigger/, 'polling stops');
    t.equal((await alice.get('/acme/-/packages/acme/bar')).statusCode, 200, 'the package page exists');

    const plain = await alice.get(pollUrl);
    t.match(plain.body, /<html/, 'without htmx: a page');
    t.match(plain.body, 'href="/acme/-/packages/acme/bar"');
    t.match(plain.headers.vary, /HX-Request/);

    const bad = await alice.post('/acme/-/packages/new', { url: `ftp://git.example/${XSS}`, type: 'git', credential: '' }, hx(alice));
    t.equal(bad.statusCode, 200, 'htmx swaps 2xx only: the form again with the reason');
    t.match(bad.body, /^<div id="add-by-url">\s*<p class="error" role="alert">/);
    t.notMatch(bad.body, XSS);
  });

  await t.test('by URL without htmx: redirect to the import page', async (t) => {
    const baz = await createGitRepo(join(work, 'baz'), { defaultBranch: 'main' });
    await baz.commit({ 'composer.json': JSON.stringify({ name: 'acme/baz' }) }, 'one');
    const r = await alice.post('/acme/-/packages/new', { _csrf: alice.csrf, url: baz.dir, type: 'git', credential: '' });
    t.equal(r.statusCode, 303);
    t.match(r.headers.location, /^\/acme\/-\/packages\/new\/jobs\/\d+$/);
    const page = await alice.get(r.headers.location as string);
    t.equal(page.statusCode, 200);
    t.match(page.body, /<html/);
    t.match(page.body, /class="job import (queued|running|done)"/);
    const done = await pollUntilEnded(alice, r.headers.location as string);
    t.match(done.body, 'href="/acme/-/packages/acme/baz"');
  });

  await t.test('a failed import shows its error, escaped', async (t) => {
    const nameless = await createGitRepo(join(work, 'nameless'), { defaultBranch: 'main' });
    await nameless.commit({ 'composer.json': JSON.stringify({ name: `Not A Name ${XSS}` }) }, 'one');
    const r = await alice.post('/acme/-/packages/new', { url: nameless.dir, type: 'git', credential: '' }, hx(alice));
    t.equal(r.statusCode, 201);
    const pollUrl = /hx-get="([^"]+)"/.exec(r.body)?.[1] ?? '';
    const failed = await pollUntilEnded(alice, pollUrl);
    t.match(failed.body, /class="job import failed"/);
    t.match(failed.body, /<strong>import failed<\/strong>/);
    t.match(failed.body, /<pre class="error">[^<]+<\/pre>/, 'the error');
    t.notMatch(failed.body, XSS);
    t.notMatch(failed.body, 'package-link', 'no package page to link');
  });

  await t.test('from the synced list: the row polls the job; who may see it', async (t) => {
    const r = await frank.post('/corp/-/packages/new/forge', { repository: 'corp/tool' }, hx(frank));
    t.equal(r.statusCode, 201);
    t.match(r.body, /^<tr id="repo-corp-tool"><td>corp\/tool<\/td>\s*<td colspan="2"><div id="import-\d+" class="job import (queued|running)"/);
    const pollUrl = /hx-get="(\/corp\/-\/packages\/new\/jobs\/(\d+))" hx-trigger="every 500ms"/.exec(r.body)?.[1] ?? '';
    t.ok(pollUrl, 'polls');
    t.equal((await frank.get(pollUrl, { 'hx-request': 'true' })).statusCode, 200);
    t.equal((await carol.get(pollUrl, { 'hx-request': 'true' })).statusCode, 404, 'a member who may not add packages');
    t.equal((await alice.get(pollUrl, { 'hx-request': 'true' })).statusCode, 404, "another organization's member");
    const acmeJob = (sqlite.prepare(`SELECT id FROM jobs WHERE type = 'update-package' AND lock_key = (SELECT 'package:' || id FROM packages WHERE name = 'acme/bar') ORDER BY id LIMIT 1`).get() as { id: number }).id;
    t.equal((await alice.get(`/acme/-/packages/new/jobs/${acmeJob}`, { 'hx-request': 'true' })).statusCode, 200);
    t.equal((await frank.get(`/acme/-/packages/new/jobs/${acmeJob}`, { 'hx-request': 'true' })).statusCode, 404, 'not a member of acme');
    t.equal((await frank.get(`/corp/-/packages/new/jobs/${acmeJob}`, { 'hx-request': 'true' })).statusCode, 404, "acme's job under corp");
    const sync = (sqlite.prepare(`SELECT id FROM jobs WHERE type = 'sync-org' ORDER BY id DESC LIMIT 1`).get() as { id: number }).id;
    t.equal((await frank.get(`/corp/-/packages/new/jobs/${sync}`)).statusCode, 404, 'not an import job');
    t.equal((await frank.get('/corp/-/packages/new/jobs/nope')).statusCode, 404);
    // The synced package cannot be cloned here (no code credential): the import fails, and says so.
    const failed = await pollUntilEnded(frank, pollUrl);
    t.match(failed.body, /<pre class="error">/);
    const plain = await frank.post('/corp/-/packages/new/forge', { _csrf: frank.csrf, repository: 'corp/nope' });
    t.equal(plain.statusCode, 404, 'without htmx, an unknown repository: the form page with the error');
    await waitFor('the queued syncs', async () =>
      (sqlite.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE type = 'sync-org' AND status IN ('queued', 'running')`).get() as { n: number }).n === 0 ? true : null);
  });

  await t.test('audit log: names from a sync, a local change, gone objects by id', async (t) => {
    const first = await syncOrg(pky.deps, 'corp', { trigger: 'test' });
    t.notOk(first.error, 'the sync ran (the one "Add" queued may have applied it already)');
    let page = (await frank.get('/corp/-/audit')).body;
    t.notMatch(page, XSS);
    t.match(page, `<td>team Core ${ESCAPED} on corp/shared</td>`, 'a grant names the team and the repository');
    t.match(page, /<span class="muted">package:<\/span> <a href="\/corp\/-\/packages\/corp\/shared">corp\/shared<\/a>/, 'package ids become package links');
    t.match(page, /<span class="muted">team:<\/span> Core &lt;script&gt;/, 'team forge ids in details become names');
    t.match(page, /<span class="muted">permission:<\/span> pull/);
    const rows = (body: string) => body.slice(body.indexOf('<tbody id="audit-rows">'));
    for (const id of ['team:t-core', 'repo:r-shared', 'r-shared', 'packageId', '&quot;team&quot;', '{&quot;']) t.notMatch(rows(page), id, `no ${id}`);
    t.match(page, /<span class="muted">forge id:<\/span> t-core/, "a team's forge id where the row records it");
    t.match(page, /<span class="muted">sync:<\/span> integration ghe, source corp/, 'nested values as text');

    forgeState.withTeam = false;
    const second = await syncOrg(pky.deps, 'corp', { trigger: 'test' });
    t.equal(second.status, 'applied', second.error ?? '');
    page = (await frank.get('/corp/-/audit')).body;
    t.match(page, /<td><code>access\.revoke<\/code><\/td><td><span class="muted">team #t-core \(deleted\)<\/span> on corp\/shared<\/td>/, 'a deleted team by its id');
    t.match(page, /<span class="muted">team:<\/span> <span class="muted">team #t-core \(deleted\)<\/span>/);

    // A local change (the hook URL of acme/foo) and a row naming a package that is gone.
    t.equal((await alice.post('/acme/-/packages/acme/foo/hook', { _csrf: alice.csrf })).statusCode, 201);
    const acmeId = (sqlite.prepare(`SELECT id FROM organizations WHERE name = 'acme'`).get() as { id: number }).id;
    sqlite.prepare(`INSERT INTO audit_log (at, org_id, actor, action, target, details) VALUES (?, ?, 'sync:ghe', 'package.archive', 'acme/old', ?)`)
      .run(Date.now(), acmeId, JSON.stringify({ packageId: 999999, note: XSS }));
    const acme = (await root.get('/acme/-/audit')).body;
    t.match(acme, /<td>ui:alice<\/td><td><code>package\.hook-rotate<\/code><\/td><td>acme\/foo<\/td>/);
    t.match(acme, /<span class="muted">package:<\/span> <span class="muted">package #999999 \(deleted\)<\/span>/);
    t.match(acme, `<span class="muted">note:</span> ${ESCAPED}`, 'other keys as key: value, escaped');
    t.notMatch(acme, XSS);
    t.match(acme, /<span class="muted">type:<\/span> git/, "package.add's details");
    t.notMatch(rows(acme), '{&quot;', 'no raw JSON');
  });
});
