// End to end for a `url: https://github.com` integration: the fake GitHub (test/fakes/ghes) runs
// in github.com's shape (flavor 'dotcom': no enterprise headers; apiPrefix '': the REST API at the
// root as on api.github.com, and any request under /api/v3 is a 404 that fails the strict fake at
// close()). Packyard is configured as an admin configures github.com, `url: https://github.com`,
// plus `api_url` pointing at the fake's root: the one seam, and the documented key. It is honest
// because with `api_url` unset the forge derives exactly that root shape, https://api.github.com
// with no /api/v3 (test/unit/forges/dotcom-urls.test.ts builds the forge from
// `url: https://github.com` alone and checks it), and everything else is what github.com gets:
// the web URL https://github.com (OAuth endpoints, sign-in label "GitHub"), the token's hosts
// (github.com and the API's host, which serves the clones here). Through the real CLI: sync an
// org, Debian's composer installs with a member's token what her team reads, another member gets
// a 404, the sign-in button says "GitHub" and sends the browser to
// https://github.com/login/oauth/authorize, and a signed push webhook for a new tag makes it
// visible in p2 (milliseconds printed).
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeGhes, ZERO_SHA } from '../fakes/ghes/index.js';
import { ghesSyncYaml, startPackyard, type TestPackyard } from '../helpers/packyard.js';
import { composerProject, writeAuth } from '../helpers/composer.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'ghp_dotcomsyncowner0000000000000000000000';
const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;

async function p2Versions(pky: TestPackyard, token: string, name: string): Promise<string[] | number> {
  const res = await fetch(`${pky.url}/acme/p2/${name}.json`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) {
    await res.arrayBuffer();
    return res.status;
  }
  const body = (await res.json()) as { packages: Record<string, Array<{ version: string }>> };
  return (body.packages[name] ?? []).map((v) => v.version);
}

t.test('url: https://github.com end to end against the fake at api.github.com\'s shape', async (t) => {
  const gh = await startFakeGhes({ flavor: 'dotcom', apiPrefix: '' });
  t.teardown(() => gh.close());
  t.equal(gh.apiUrl, gh.url, 'the fake serves its API at the root');
  const s = gh.state;
  s.addUser('octo-owner');
  s.addToken(TOKEN, 'octo-owner', { scopes: ['repo', 'read:org', 'admin:org_hook'] });
  s.addOrg('acme', { defaultRepositoryPermission: 'none' });
  s.addOrgMember('acme', 'octo-owner', 'admin');
  for (const login of ['alice', 'bob']) {
    s.addUser(login);
    s.addOrgMember('acme', login, 'member');
  }
  s.addTeam('acme', { slug: 'backend', name: 'Backend' });
  s.addTeamMember('acme', 'backend', 'alice', 'member');
  for (const name of ['lib', 'tools']) {
    await s.addRepo('acme', name, { visibility: 'private', files: { 'composer.json': json({ name: `acme/${name}`, type: 'library' }), VERSION: '1.0\n' } });
    await s.commit('acme', name, {}, { tag: '1.0.0', message: 'release' });
  }
  s.grantTeam('acme', 'backend', 'lib', 'pull');

  const pky = await startPackyard(t, {
    yaml: ghesSyncYaml({ url: 'https://github.com', apiUrl: gh.url }, { token: TOKEN, oauth: true, autoAddPackages: true, installWebhooks: true }),
  });
  const cli = async (args: string[]) => {
    const r = await pky.cli(args);
    t.equal(r.code, 0, `packyard ${args.join(' ')}: ${(r.stderr + r.stdout).trim().slice(-800)}`);
    return r;
  };

  const sync = await cli(['sync', '--org', 'acme']);
  t.match(sync.stdout, /packagesToAdd=2/, 'both repositories with a composer.json became packages');
  t.match(sync.stdout, /webhook: installed/, 'the org webhook was installed through the root API');
  await gh.idle(); // the ping after the hook's creation
  await waitFor('the first imports', () => {
    const n = (pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM packages WHERE status = 'new'`).get() as { n: number }).n;
    return n === 0 ? true : null;
  }, 60_000, 20);
  const alice = (await cli(['token', 'create', '--org', 'acme', '--user', 'alice'])).stdout.trim();
  const bob = (await cli(['token', 'create', '--org', 'acme', '--user', 'bob'])).stdout.trim();
  const owner = (await cli(['token', 'create', '--org', 'acme', '--user', 'octo-owner'])).stdout.trim();

  await t.test('alice installs what her team reads with composer; bob gets a 404', async (t) => {
    const project = composerProject({ name: 'dev/app', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }] });
    t.teardown(() => project.cleanup());
    writeAuth(project, new URL(pky.url).host, alice);
    const r = await project.run(['require', 'acme/lib:^1.0']);
    t.equal(r.code, 0, r.stderr);
    t.ok(existsSync(join(project.dir, 'vendor', 'acme', 'lib', 'VERSION')), 'installed from the clone Packyard made with the integration token');
    t.equal(await p2Versions(pky, bob, 'acme/lib'), 404, 'bob: 404');
    t.equal(await p2Versions(pky, alice, 'acme/tools'), 404, 'alice: 404 for a repository her team cannot read');
    t.same(await p2Versions(pky, owner, 'acme/tools'), ['1.0.0'], 'the org owner reads everything');
  });

  await t.test('sign-in says "GitHub" and goes to https://github.com/login/oauth/authorize', async (t) => {
    const page = await fetch(`${pky.url}/login`);
    const html = await page.text();
    t.match(html, />Sign in with GitHub</, 'labelled GitHub, not GitHub Enterprise');
    const start = await fetch(`${pky.url}/login/ghe`, { redirect: 'manual' });
    await start.arrayBuffer();
    t.equal(start.status, 303);
    const to = new URL(String(start.headers.get('location')));
    t.equal(to.origin + to.pathname, 'https://github.com/login/oauth/authorize');
    t.equal(to.searchParams.get('client_id'), 'packyard-client');
    t.equal(to.searchParams.get('scope'), 'read:user read:org');
  });

  await t.test('a signed push webhook for a new tag makes it visible in p2', async (t) => {
    const sha = await s.commit('acme', 'lib', { VERSION: '1.1\n' }, { tag: '1.1.0', message: '1.1.0' });
    const payload = await gh.payloads.push('acme', 'lib', { ref: 'refs/tags/1.1.0', before: ZERO_SHA, after: sha });
    const bad = await gh.deliver('acme', 'push', payload, { badSignature: true });
    t.same(bad.map((d) => d.status), [401], 'bad signature: 401');
    const started = Date.now();
    const ok = await gh.deliver('acme', 'push', payload);
    t.same(ok.map((d) => d.status), [202]);
    await waitFor('1.1.0 in p2', async () => {
      const v = await p2Versions(pky, alice, 'acme/lib');
      return Array.isArray(v) && v.includes('1.1.0') ? true : null;
    }, 20_000, 20);
    const ms = Date.now() - started;
    t.pass(`new tag visible in p2 ${ms} ms after the push webhook`);
    t.comment(`github.com shape: push webhook -> 1.1.0 in p2: ${ms} ms`);
  });

  t.ok(gh.requests.length > 0, 'Packyard called the API');
  t.same(gh.requests.filter((r) => r.path === '/api/v3' || r.path.startsWith('/api/v3/')), [], 'no request under /api/v3');
  t.same(gh.unexpected, [], 'every API call matched an endpoint at the root');
});
