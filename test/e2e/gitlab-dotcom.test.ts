// End to end for a `url: https://gitlab.com` integration: the fake GitLab (test/fakes/gitlab)
// runs in gitlab.com's shape, which is self-managed GitLab without a relative root (the API at
// /api/v4, OAuth at /oauth/*, clones at /<full path>.git) on the Free plan (no group hooks, so
// Packyard falls back to project hooks). Packyard is configured as an admin configures
// gitlab.com, `url: https://gitlab.com`, plus `api_url` at the fake's /api/v4: the one seam, and
// the documented key. It is honest because with `api_url` unset the forge derives
// https://gitlab.com/api/v4, the same shape (test/unit/forges/dotcom-urls.test.ts builds the forge
// from `url: https://gitlab.com` alone and checks it), and everything else is what gitlab.com
// gets: OAuth on https://gitlab.com, the token's hosts (gitlab.com and the API's host, which
// serves the clones here). Through the real CLI: sync a group tree, Debian's composer installs
// with a Reporter's token what she reads, a Guest gets a 404, the sign-in button sends the
// browser to https://gitlab.com/oauth/authorize, and a tag pushed in the fake fires its Tag Push
// Hook at Packyard, which makes the tag visible in p2 (milliseconds printed).
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeGitLab } from '../fakes/gitlab/index.js';
import { startPackyard, type TestPackyard } from '../helpers/packyard.js';
import { gitlabSyncYaml } from '../helpers/gitlab.js';
import { composerProject, writeAuth } from '../helpers/composer.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'glpat-olga-owner-of-acme-dotcom';
const SECRET = 'gl-dotcom-hook-secret-0123456789';

async function p2Versions(pky: TestPackyard, token: string, name: string): Promise<string[] | number> {
  const res = await fetch(`${pky.url}/acme/p2/${name}.json`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) {
    await res.arrayBuffer();
    return res.status;
  }
  const body = (await res.json()) as { packages: Record<string, Array<{ version: string }>> };
  return (body.packages[name] ?? []).map((v) => v.version);
}

t.test('url: https://gitlab.com end to end against the fake at gitlab.com\'s shape (Free plan)', async (t) => {
  const gl = await startFakeGitLab({ tier: 'free' });
  t.teardown(() => gl.close());
  t.equal(gl.apiUrl, `${gl.url}/api/v4`, 'no relative root');
  const s = gl.state;
  for (const u of ['olga', 'rita', 'gus']) s.addUser(u);
  s.addToken(TOKEN, 'olga', { scopes: ['api'] });
  s.addGroup('acme');
  s.addGroup('acme/libs');
  s.addGroupMember('acme', 'olga', 50); // Owner
  s.addGroupMember('acme/libs', 'rita', 20); // Reporter of the subgroup
  s.addGroupMember('acme', 'gus', 10); // Guest: reads nothing
  for (const [path, name] of [['acme/libs/lib-a', 'acme/lib-a'], ['acme/api', 'acme/api']] as const) {
    await s.addProject(path, { visibility: 'private', files: { 'composer.json': `${JSON.stringify({ name })}\n`, VERSION: '1.0\n' } });
    await s.commit(path, {}, { tag: '1.0.0' });
  }

  const pky = await startPackyard(t, {
    yaml: gitlabSyncYaml({ url: 'https://gitlab.com' }, { token: TOKEN, apiUrl: gl.apiUrl, oauth: true, webhookSecret: SECRET, autoAddPackages: true, installWebhooks: true }),
  });
  const cli = async (args: string[]) => {
    const r = await pky.cli(args);
    t.equal(r.code, 0, `packyard ${args.join(' ')}: ${(r.stderr + r.stdout).trim().slice(-800)}`);
    return r;
  };

  const sync = await cli(['sync', '--org', 'acme']);
  t.match(sync.stdout, /packagesToAdd=2/, 'both projects with a composer.json became packages');
  await waitFor('the first imports', () => {
    const n = (pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM packages WHERE status = 'new'`).get() as { n: number }).n;
    return n === 0 ? true : null;
  }, 60_000, 20);
  const lib = s.project('acme/libs/lib-a');
  t.equal(s.hooksOf('project', lib.id).length, 1, 'a project hook on the package project (no group hooks on Free)');
  t.same(s.hooksOf('group', s.group('acme').id), [], 'no group hook');
  const rita = (await cli(['token', 'create', '--org', 'acme', '--user', 'rita'])).stdout.trim();
  const olga = (await cli(['token', 'create', '--org', 'acme', '--user', 'olga'])).stdout.trim();

  await t.test('rita installs what she reads with composer; a Guest has no Packyard user', async (t) => {
    const project = composerProject({ name: 'dev/app', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }] });
    t.teardown(() => project.cleanup());
    writeAuth(project, new URL(pky.url).host, rita);
    const r = await project.run(['require', 'acme/lib-a:^1.0']);
    t.equal(r.code, 0, r.stderr);
    t.ok(existsSync(join(project.dir, 'vendor', 'acme', 'lib-a', 'VERSION')), 'installed from the clone Packyard made with the integration token');
    t.equal(await p2Versions(pky, rita, 'acme/api'), 404, 'rita: 404 outside her subgroup');
    t.same(await p2Versions(pky, olga, 'acme/api'), ['1.0.0'], 'the Owner reads everything');
    const gus = await pky.cli(['token', 'create', '--org', 'acme', '--user', 'gus']);
    t.not(gus.code, 0, 'a Guest is no member of the organization');
    t.match(gus.stderr, /user "gus" does not exist|not a member/, 'sync made no Packyard user for a Guest');
  });

  await t.test('sign-in says "GitLab" and goes to https://gitlab.com/oauth/authorize', async (t) => {
    const html = await (await fetch(`${pky.url}/login`)).text();
    t.match(html, />Sign in with GitLab</);
    const start = await fetch(`${pky.url}/login/gl`, { redirect: 'manual' });
    await start.arrayBuffer();
    t.equal(start.status, 303);
    const to = new URL(String(start.headers.get('location')));
    t.equal(to.origin + to.pathname, 'https://gitlab.com/oauth/authorize');
    t.equal(to.searchParams.get('client_id'), 'packyard-client');
    t.equal(to.searchParams.get('scope'), 'read_user');
  });

  await t.test('a pushed tag fires a Tag Push Hook that makes it visible in p2', async (t) => {
    await s.commit('acme/libs/lib-a', { VERSION: '1.1\n' }, { message: 'work' });
    const started = Date.now();
    const pushed = await gl.push('acme/libs/lib-a', { tags: { '1.1.0': 'main' }, as: 'olga' });
    t.same(pushed.deliveries.map((d) => [d.event, d.status]), [['Tag Push Hook', 202]], 'delivered with the secret, accepted');
    await waitFor('1.1.0 in p2', async () => {
      const v = await p2Versions(pky, rita, 'acme/lib-a');
      return Array.isArray(v) && v.includes('1.1.0') ? true : null;
    }, 20_000, 20);
    const ms = Date.now() - started;
    t.pass(`1.1.0 visible in p2 ${ms} ms after the push`);
    t.comment(`gitlab.com shape: Tag Push Hook -> 1.1.0 in p2: ${ms} ms`);
    const bad = await gl.deliver(`${pky.url}/hooks/gl`, 'Tag Push Hook', pushed.deliveries[0]!.payload as object, { token: 'not-the-secret' });
    t.equal(bad.status, 401, 'a wrong X-Gitlab-Token gets 401');
  });

  t.ok(gl.requests.length > 0, 'Packyard called the API');
  t.same(gl.requests.filter((r) => !r.path.startsWith('/api/v4/')), [], 'every API call at /api/v4, no relative root');
  t.same(gl.unexpected, [], 'every API call matched an endpoint');
});
