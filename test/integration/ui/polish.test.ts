// Small UI defects the browser tests found: the package page lists versions in packagist.org's
// order (dev branches, the default branch first and marked, then tags newest first) and carries
// the organization's menu per permission; /favicon.ico answers without a session (never the login
// redirect); the forge-asking buttons show an htmx busy marker and cannot be sent twice.
import t from 'tap';
import { join } from 'node:path';
import { browser, signIn, setCookies, type Browser } from '../../helpers/ui.js';
import { PASSWORD, uiFixture } from '../../helpers/ui-fixture.js';
import { createGitRepo, makeTempDir, removeDir } from '../../helpers/git-repo.js';

const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;

t.test('UI polish', async (t) => {
  const { pky, app } = await uiFixture(t);
  // acme/order: tags 1.0.0, 1.10.0, 1.2.0 and 2.0.0-beta1 (made in that order), branches main
  // (the default) and feature.
  const work = await makeTempDir('pky-ui-order-');
  t.teardown(() => removeDir(work));
  const repo = await createGitRepo(join(work, 'order'), { defaultBranch: 'main' });
  for (const tag of ['1.0.0', '1.10.0', '1.2.0', '2.0.0-beta1']) {
    await repo.commit({ 'composer.json': json({ name: 'acme/order' }), 'VERSION': `${tag}\n` }, `release ${tag}`);
    await repo.tag(tag);
  }
  await repo.branch('feature');
  await repo.commit({ 'composer.json': json({ name: 'acme/order' }), 'VERSION': 'next\n' }, 'after the releases');
  const add = await pky.cli(['package', 'add', '--org', 'acme', repo.dir]);
  t.equal(add.code, 0, add.stderr);

  const as: Record<string, Browser> = {};
  for (const login of ['root', 'alice', 'frank', 'carol', 'dave']) as[login] = await signIn(app, login, PASSWORD);
  const { root, alice, frank, carol, dave } = as as Record<'root' | 'alice' | 'frank' | 'carol' | 'dave', Browser>;
  const anon = browser(app);

  await t.test('versions: dev branches (the default first), then tags newest first by composer order', async (t) => {
    const page = await alice.get('/acme/-/packages/acme/order');
    t.equal(page.statusCode, 200);
    const versions = [...page.body.matchAll(/<tr(?: class="default-branch")?><td><strong>([^<]+)<\/strong>/g)].map((m) => m[1]);
    t.same(versions, ['dev-main', 'dev-feature', '2.0.0-beta1', '1.10.0', '1.2.0', '1.0.0']);
    const marked = [...page.body.matchAll(/<tr class="default-branch"><td><strong>([^<]+)<\/strong> <span class="badge default">default branch<\/span>/g)].map((m) => m[1]);
    t.same(marked, ['dev-main'], 'only the default branch is marked');
    const foo = await alice.get('/acme/-/packages/acme/foo');
    t.same([...foo.body.matchAll(/<td><strong>([^<]+)<\/strong>/g)].map((m) => m[1]), ['dev-main', 'v1.0.0'], 'the fixture package too');
  });

  await t.test('the package page shows the organization menu per permission', async (t) => {
    const links = async (b: Browser, url: string, org: string) =>
      [...(await b.get(url)).body.matchAll(new RegExp(`<a class="org-link" href="/${org}/-/(packages/new|teams|settings|activity|audit|tokens)">`, 'g'))].map((m) => m[1]);
    const all = ['packages/new', 'teams', 'settings', 'activity', 'audit', 'tokens'];
    t.same(await links(alice, '/acme/-/packages/acme/order', 'acme'), ['packages/new', 'teams', 'tokens'], 'member of an unsynced org');
    t.same(await links(root, '/acme/-/packages/acme/order', 'acme'), all, 'instance admin');
    t.same(await links(frank, '/corp/-/packages/corp/shared', 'corp'), all, 'owner');
    t.same(await links(carol, '/corp/-/packages/corp/shared', 'corp'), ['teams', 'tokens'], 'member of a synced org');
    // The same menu as the organization's own page, for each of them.
    for (const [b, org, pkg] of [[alice, 'acme', 'acme/order'], [root, 'acme', 'acme/order'], [frank, 'corp', 'corp/shared'], [carol, 'corp', 'corp/shared']] as const) {
      const nav = (body: string) => /<nav class="org-nav">[\s\S]*?<\/nav>/.exec(body)?.[0];
      t.equal(nav((await b.get(`/${org}/-/packages/${pkg}`)).body), nav((await b.get(`/${org}/`)).body), `${org}: same menu as the org page`);
    }
    t.equal((await dave.get('/corp/-/packages/corp/shared')).statusCode, 404, 'still 404 where the package is hidden');
  });

  await t.test('favicon: answered without a session, cacheable, never a redirect or a cookie', async (t) => {
    for (const [b, who] of [[anon, 'anonymous'], [alice, 'signed in']] as const) {
      for (const url of ['/favicon.ico', '/static/favicon.svg']) {
        const r = await b.get(url, { accept: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8' });
        t.ok(r.statusCode === 200 || r.statusCode === 204, `${url} ${who}: ${r.statusCode}`);
        t.equal(r.headers.location, undefined, 'no redirect');
        t.same(setCookies(r), [], 'no Set-Cookie');
        t.match(r.headers['cache-control'], /public, max-age=\d+/);
        t.match(r.headers['content-type'], /^image\/svg\+xml/);
        t.match(r.body, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
        t.notMatch(r.body, /<script|on[a-z]+=/i, 'an inert picture');
      }
    }
    const head = await app.inject({ method: 'HEAD', url: '/favicon.ico' });
    t.equal(head.statusCode, 200, 'HEAD too');
    const page = await alice.get('/acme/');
    t.match(page.body, '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">', 'linked from the layout');
    t.match(page.headers['content-security-policy'], /default-src 'self'/, 'the CSP allows it (same origin)');
    t.match((await anon.get('/login')).body, '<link rel="icon" href="/static/favicon.svg"', 'on the login page too');
  });

  await t.test('forge-asking buttons: an htmx busy marker and no double submit', async (t) => {
    const settings = (await frank.get('/corp/-/settings')).body;
    t.match(settings, /hx-post="\/corp\/-\/settings\/preview" hx-target="#sync-preview" hx-swap="outerHTML" hx-indicator="#preview-busy" hx-disabled-elt="find button"/);
    t.match(settings, /<span id="preview-busy" class="htmx-indicator">Asking the forge…<\/span>/);
    t.match(settings, /hx-post="\/corp\/-\/settings\/sync" hx-target="#sync-status" hx-swap="outerHTML" hx-indicator="#sync-busy" hx-disabled-elt="find button"/);
    t.match(settings, /<span id="sync-busy" class="htmx-indicator">/);
    const newOrg = (await root.get('/-/orgs/new')).body;
    t.match(newOrg, /hx-post="\/-\/orgs\/new\/check"[^>]* hx-indicator="#check-busy" hx-disabled-elt="this">Check<\/button>/);
    t.match(newOrg, /<span id="check-busy" class="htmx-indicator">Asking the forge…<\/span>/);
    const css = await anon.get('/static/app.css');
    t.match(css.body, /\.htmx-indicator \{ display: none;/, 'hidden until htmx marks the request');
    t.match(css.body, /\.htmx-request \.htmx-indicator, \.htmx-request\.htmx-indicator \{ display: inline; \}/);
  });
});
