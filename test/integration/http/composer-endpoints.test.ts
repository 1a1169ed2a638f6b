// The composer endpoints against a real SQLite file and a real git repository: auth, 404s that
// do not leak, conditional requests, gzip, per-token Last-Modified, dists, API and downloads.
import t from 'tap';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { startPackyard, type TestPackyard } from '../../helpers/packyard.js';
import { createGitRepo, makeTempDir, removeDir, type GitRepo } from '../../helpers/git-repo.js';
import { runPhpMinifier } from '../../helpers/php-minifier.js';
import { expand } from '../../../src/composer/minify.js';
import type { JsonObject } from '../../../src/composer/json.js';

const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;

async function setup(t: { teardown(fn: () => unknown): void }) {
  const work = await makeTempDir('pky-http-');
  t.teardown(() => removeDir(work));
  const repo = await createGitRepo(join(work, 'foo'), { defaultBranch: 'main' });
  await repo.commit({ 'composer.json': json({ name: 'acme/foo', description: 'Foo <b>bold</b>', require: { php: '>=8.1' } }) }, 'one');
  await repo.tag('v1.0.0');
  await repo.commit({ 'composer.json': json({ name: 'acme/foo', description: 'Foo', require: { php: '>=8.2' } }) }, 'two');
  await repo.tag('v1.1.0');
  await repo.commit({ 'composer.json': '{"name": "acme/foo",,}' }, 'broken');
  await repo.tag('v1.2.0');
  await repo.commit({ 'composer.json': json({ name: 'acme/foo', require: { php: '>=8.2' } }) }, 'three');
  const pky = await startPackyard(t);
  const cli = async (args: string[], stdin?: string) => {
    const r = await pky.cli(args, stdin !== undefined ? { stdin } : {});
    if (r.code !== 0) throw new Error(`packyard ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout.trim();
  };
  await cli(['org', 'create', 'acme']);
  await cli(['org', 'create', 'beta']);
  await cli(['user', 'create', 'alice']);
  await cli(['user', 'create', 'bob']);
  await cli(['org', 'member', 'add', 'acme', 'alice']);
  await cli(['package', 'add', '--org', 'acme', repo.dir]);
  const orgToken = await cli(['token', 'create', '--org', 'acme']);
  const updateToken = await cli(['token', 'create', '--org', 'acme', '--scope', 'update']);
  const alice = await cli(['token', 'create', '--user', 'alice']);
  const bob = await cli(['token', 'create', '--user', 'bob']);
  const betaToken = await cli(['token', 'create', '--org', 'beta']);
  return { work, repo, pky, cli, orgToken, updateToken, alice, bob, betaToken };
}


const get = (pky: TestPackyard, url: string, headers: Record<string, string> = {}) =>
  pky.server!.app.inject({ method: 'GET', url, headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const basic = (token: string) => ({ authorization: `Basic ${Buffer.from(`token:${token}`).toString('base64')}` });

t.test('composer endpoints', async (t) => {
  const s = await setup(t);
  const { pky } = s;

  await t.test('401 with WWW-Authenticate without or with a bad token', async (t) => {
    for (const headers of [{}, bearer('pky_o_000000000000000000000000000000000000aaaaaa'), basic('nope')]) {
      const r = await get(pky, '/acme/packages.json', headers);
      t.equal(r.statusCode, 401);
      t.match(r.headers['www-authenticate'], /^Basic realm="Packyard"/);
    }
  });

  await t.test('packages.json: v2 root, filtered per token, Last-Modified and 304', async (t) => {
    const r = await get(pky, '/acme/packages.json', basic(s.orgToken));
    t.equal(r.statusCode, 200);
    t.same(r.json(), { packages: [], 'metadata-url': '/acme/p2/%package%.json', 'notify-batch': '/acme/downloads', 'available-packages': ['acme/foo'] });
    t.match(r.headers['cache-control'], /private/);
    const lm = r.headers['last-modified'] as string;
    t.ok(lm);
    const again = await get(pky, '/acme/packages.json', { ...basic(s.orgToken), 'if-modified-since': lm });
    t.equal(again.statusCode, 304);
    t.equal(again.body, '', '304 has an empty body');
    t.same((await get(pky, '/acme/packages.json', bearer(s.alice))).json()['available-packages'], ['acme/foo'], 'members of an unsynced org read all');
  });

  await t.test('missing and hidden organizations and packages are the same 404', async (t) => {
    for (const [url, token] of [
      ['/nope/packages.json', s.orgToken],
      ['/beta/packages.json', s.orgToken],
      ['/acme/packages.json', s.bob],
      ['/acme/packages.json', s.betaToken],
      ['/acme/p2/acme/foo.json', s.bob],
      ['/acme/p2/acme/missing.json', s.orgToken],
      ['/acme/p2/acme/missing~dev.json', s.orgToken],
      ['/acme/dists/acme/foo/0000000000000000000000000000000000000000.zip', s.orgToken],
    ] as const) {
      const r = await get(pky, url, bearer(token));
      t.equal(r.statusCode, 404, url);
      t.same(r.json(), { status: 'error', message: 'Not found' });
    }
  });

  await t.test('a token revoked or an access change by the CLI is seen on the next request', async (t) => {
    const before = await get(pky, '/acme/packages.json', bearer(s.bob));
    t.equal(before.statusCode, 404);
    await s.cli(['org', 'member', 'add', 'acme', 'bob']);
    const after = await get(pky, '/acme/packages.json', bearer(s.bob));
    t.equal(after.statusCode, 200, 'bob sees acme after being added, from another process');
    const lmAlice = (await get(pky, '/acme/packages.json', bearer(s.alice))).headers['last-modified'];
    t.ok(Date.parse(after.headers['last-modified'] as string) >= Date.parse(lmAlice as string), 'Last-Modified moved with the ACL change');
    const tmp = await s.cli(['token', 'create', '--org', 'acme']);
    t.equal((await get(pky, '/acme/packages.json', bearer(tmp))).statusCode, 200);
    const id = pky.deps.sqlite.prepare('SELECT max(id) AS id FROM tokens').get() as { id: number };
    pky.deps.sqlite.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ?').run(Date.now(), id.id);
    t.equal((await get(pky, '/acme/packages.json', bearer(tmp))).statusCode, 401, 'revoked token refused at once');
  });

  await t.test('API: update needs scope update; 202 with a job id', async (t) => {
    const url = '/api/acme/packages/acme/foo/update';
    const inject = (token: string) => pky.server!.app.inject({ method: 'POST', url, headers: bearer(token) });
    t.equal((await inject(s.orgToken)).statusCode, 403);
    t.equal((await inject(s.betaToken)).statusCode, 404);
    t.equal((await pky.server!.app.inject({ method: 'POST', url: '/api/acme/packages/acme/nope/update', headers: bearer(s.updateToken) })).statusCode, 404);
    const r = await inject(s.updateToken);
    t.equal(r.statusCode, 202);
    const body = r.json() as { job: { id: number } };
    t.ok(body.job.id > 0);
    // The server's runner picks it up; poll its status through the API (bounded).
    let status = '';
    for (let i = 0; i < 200 && status !== 'done' && status !== 'failed'; i++) {
      const j = await pky.server!.app.inject({ method: 'GET', url: `/api/acme/jobs/${body.job.id}`, headers: bearer(s.updateToken) });
      status = (j.json() as { status: string }).status;
      if (status !== 'done') await new Promise((r) => setTimeout(r, 50));
    }
    t.equal(status, 'done');
  });

  await t.test('notify-batch installs are recorded per version', async (t) => {
    const r = await pky.server!.app.inject({
      method: 'POST',
      url: '/acme/downloads',
      headers: { ...bearer(s.orgToken), 'content-type': 'application/json' },
      payload: { downloads: [{ name: 'acme/foo', version: '1.1.0.0' }, { name: 'other/x', version: '1.0.0.0' }] },
    });
    t.equal(r.statusCode, 200);
    t.same(r.json(), { status: 'success', recorded: 1 });
    const row = pky.deps.sqlite.prepare('SELECT count FROM downloads WHERE normalized = ?').get('1.1.0.0') as { count: number };
    t.equal(row.count, 1);
  });

  await t.test('package show lists the skipped tag with its reason', async (t) => {
    const out = await s.cli(['package', 'show', '--org', 'acme', 'acme/foo']);
    t.match(out, /tag v1\.2\.0: composer\.json is not valid JSON/);
    t.match(out, /v1\.1\.0\s+stable/);
  });

  await t.test('an unreachable repository keeps its last good versions and records the error', async (t) => {
    const { renameSync } = await import('node:fs');
    renameSync(s.repo.dir, `${s.repo.dir}.moved`);
    t.teardown(() => renameSync(`${s.repo.dir}.moved`, s.repo.dir));
    const r = await pky.cli(['package', 'update', '--org', 'acme', 'acme/foo']);
    t.not(r.code, 0);
    t.match(r.stdout, /update failed/);
    const p2 = await get(pky, '/acme/p2/acme/foo.json', bearer(s.orgToken));
    t.equal(p2.statusCode, 200);
    t.equal(expand((p2.json() as { packages: Record<string, JsonObject[]> }).packages['acme/foo'] ?? []).length, 2);
    const show = await s.cli(['package', 'show', '--org', 'acme', 'acme/foo']);
    t.match(show, /status:\s+error/);
    t.match(show, /last error:/);
  });

  let distUrl = '';
  await t.test('p2 files: minified, split, gzip, 304; expandable by composer\'s own minifier', async (t) => {
    const r = await get(pky, '/acme/p2/acme/foo.json', { ...bearer(s.orgToken), 'accept-encoding': 'gzip, br' });
    t.equal(r.statusCode, 200);
    t.equal(r.headers['content-encoding'], 'gzip');
    const doc = JSON.parse(gunzipSync(r.rawPayload).toString()) as { packages: Record<string, JsonObject[]>; minified: string };
    t.equal(doc.minified, 'composer/2.0');
    const list = doc.packages['acme/foo'] ?? [];
    const full = expand(list);
    t.same(full.map((v) => v.version), ['v1.1.0', 'v1.0.0'], 'broken tag skipped, newest first');
    const [phpExpanded] = runPhpMinifier([{ op: 'expand', versions: list }]);
    t.same(JSON.parse(phpExpanded as string), full, 'PHP MetadataMinifier::expand gives the same full form');
    t.equal(full[1]?.description, 'Foo <b>bold</b>');
    t.same(full[0]?.dist && (full[0].dist as JsonObject).shasum, '');
    distUrl = String((full[0]?.dist as JsonObject).url);
    const dev = await get(pky, '/acme/p2/acme/foo~dev.json', bearer(s.orgToken));
    const devList = expand((dev.json() as { packages: Record<string, JsonObject[]> }).packages['acme/foo'] ?? []);
    t.same(devList.map((v) => [v.version, v['default-branch']]), [['dev-main', true]]);
    const lm = r.headers['last-modified'] as string;
    const c = await get(pky, '/acme/p2/acme/foo.json', { ...bearer(s.orgToken), 'if-modified-since': lm });
    t.equal(c.statusCode, 304);
    t.equal(c.body, '');
  });

  await t.test('dists: same bytes twice, across a restart and a rebuilt mirror', async (t) => {
    const path = new URL(distUrl).pathname;
    const one = await get(pky, path, bearer(s.orgToken));
    t.equal(one.statusCode, 200);
    t.equal(one.headers['content-type'], 'application/zip');
    const two = await get(pky, path, bearer(s.orgToken));
    const sha = (b: Buffer) => createHash('sha1').update(b).digest('hex');
    t.equal(sha(two.rawPayload), sha(one.rawPayload));
    // Restart on the same data dir with the mirror deleted: the stored zip is served as it was.
    const { rmSync } = await import('node:fs');
    await pky.stop();
    rmSync(join(pky.dir, 'data', 'mirrors'), { recursive: true, force: true });
    const again = await startPackyard(t, { reuseDir: pky.dir });
    const three = await again.server!.app.inject({ method: 'GET', url: path, headers: bearer(s.orgToken) });
    t.equal(three.statusCode, 200);
    t.equal(sha(three.rawPayload), sha(one.rawPayload));
  });
});
