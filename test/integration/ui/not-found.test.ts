// Unknown paths: browsers get the UI's 404 page (in the layout, signed-in aware, with the UI's
// security headers); composer, hooks, the API and monitors keep their JSON 404. A hidden
// organization or package answers exactly like one that does not exist.
import t from 'tap';
import { browser, signIn, type Browser } from '../../helpers/ui.js';
import { PASSWORD, uiFixture } from '../../helpers/ui-fixture.js';

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

t.test('404 pages', async (t) => {
  const { app } = await uiFixture(t);
  const as: Record<string, Browser> = {};
  for (const login of ['root', 'alice', 'eve', 'carol']) as[login] = await signIn(app, login, PASSWORD);
  const { root, alice, eve, carol } = as as Record<'root' | 'alice' | 'eve' | 'carol', Browser>;
  const anon = browser(app);

  await t.test('unknown UI paths: the HTML page in the layout, for the signed-in user', async (t) => {
    for (const [b, login, url] of [
      [root, 'root', '/-/nonsense'],
      [root, 'root', '/acme/-/nonsense'],
      [alice, 'alice', '/acme/-/nonsense/deeper'],
      [alice, 'alice', '/-/orgs/nonsense'],
      [eve, 'eve', '/nope/-/x'],
    ] as const) {
      const r = await b.get(url, HTML);
      t.equal(r.statusCode, 404, url);
      t.match(r.headers['content-type'], /^text\/html/, `${url}: html`);
      t.match(r.body, '<h1>Not found</h1>');
      t.match(r.body, `<a class="who" href="/-/profile">${login}`, `${url}: the layout knows ${login}`);
      t.match(r.body, 'Back to your organizations');
      t.match(r.headers['content-security-policy'], /default-src 'self'/, 'the UI security headers');
      t.equal(r.headers['x-frame-options'], 'DENY');
    }
    const a = await anon.get('/-/nonsense', HTML);
    t.equal(a.statusCode, 404);
    t.match(a.body, '<a href="/login">Sign in</a>', 'signed out: a sign-in link');
    t.notMatch(a.body, 'Sign out');
  });

  await t.test('a hidden organization or package looks exactly like a missing one', async (t) => {
    const same = async (b: Browser, hidden: string, missing: string) => {
      const h = await b.get(hidden, HTML);
      const m = await b.get(missing, HTML);
      t.equal(h.statusCode, m.statusCode, `${hidden} vs ${missing}: status`);
      t.equal(h.body, m.body, `${hidden} vs ${missing}: body`);
      return h.statusCode;
    };
    t.equal(await same(eve, '/acme/', '/nope/'), 404, 'an outsider: an org');
    t.equal(await same(eve, '/corp/-/nonsense', '/nope/-/nonsense'), 404, 'an outsider: an unknown page under an org');
    t.equal(await same(eve, '/acme/-/settings', '/nope/-/settings'), 404, 'an outsider: a known page under an org');
    t.equal(await same(carol, '/corp/-/packages/corp/secret', '/corp/-/packages/corp/missing'), 404, 'a package the member may not read');
    t.equal(await same(alice, '/acme/-/settings', '/acme/-/nonsense'), 404, 'a page the member may not use');
    t.equal(await same(anon, '/acme/', '/nope/'), 303, 'anonymous: both go to the login page');
    t.equal(await same(anon, '/acme/-/nonsense', '/nope/-/nonsense'), 404, 'anonymous: unknown pages');
  });

  await t.test('composer, hooks, API and monitor paths keep their JSON 404, even for a browser', async (t) => {
    for (const url of ['/api/nonsense', '/api/acme/packages/acme/foo/nonsense', '/hooks/nope/x/y', '/healthz/x', '/metrics/x', '/acme/p2', '/acme/dists', '/nope/packages.json/x']) {
      for (const headers of [HTML, {}]) {
        const r = await root.get(url, headers);
        t.equal(r.statusCode, 404, `${url} ${JSON.stringify(headers)}`);
        t.match(r.headers['content-type'], /^application\/json/, `${url}: json`);
        t.same(JSON.parse(r.body), { status: 'error', message: 'Not found' });
      }
    }
    // Without Accept: text/html (composer, curl) an unknown UI path is JSON too.
    const plain = await root.get('/-/nonsense');
    t.equal(plain.statusCode, 404);
    t.match(plain.headers['content-type'], /^application\/json/);
  });
});
