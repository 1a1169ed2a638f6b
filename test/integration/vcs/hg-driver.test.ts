// The hg driver against a local repository and native `hg serve`: composer's refs and order with
// full nodes, batched reads, commit dates, zips without .hg_archival.txt, and what an unchanged
// remote costs (one pull, nothing else over the network).
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../../src/domain/errors.js';
import { createHgDriver } from '../../../src/vcs/hg.js';
import { defaultDrivers } from '../../../src/vcs/registry.js';
import { fileKey, type DriverOptions } from '../../../src/vcs/types.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { startHgServe } from '../../helpers/hg-servers.js';
import { buildHgPackageFixture } from './fixtures/hg-package-repo.js';
import { installHgSpy } from './fixtures/hg-spy.js';

const root = await makeTempDir('packyard-hg-');
t.teardown(() => removeDir(root));
const fx = await buildHgPackageFixture(root);
const server = await startHgServe(fx.dir);
t.teardown(() => server.close());
const tmpDir = join(root, 'scratch');
let mirrors = 0;
const optsFor = (url: string, extra: Partial<DriverOptions> = {}): DriverOptions => ({
  url,
  mirrorDir: join(root, 'mirrors', `m${++mirrors}.hg`),
  tmpDir,
  timeoutMs: 20_000,
  ...extra,
});

t.test('registered as the hg driver', async (t) => {
  t.equal(defaultDrivers().get('hg'), createHgDriver);
});

for (const [label, url] of [['local path', () => fx.dir], ['native hg serve', () => server.url]] as const) {
  t.test(`${label}: refs in composer's order with full nodes`, async (t) => {
    const driver = createHgDriver(optsFor(url()));
    const state = await driver.listRemote();
    t.equal(state.defaultBranch, 'default', 'the branch at tip');
    t.same(state.refs, [
      // hg tags: newest revision first, tip left out.
      { kind: 'tag', name: 'v1.1.0', commit: fx.feature },
      { kind: 'tag', name: 'v1.0.0', commit: fx.first },
      // array_merge($bookmarks, $branches): bookmarks first (by name); the named branch
      // "feature" wins over the bookmark "feature" but keeps the bookmark's place; closed
      // branch "old" is not listed.
      { kind: 'branch', name: 'bm', commit: fx.first },
      { kind: 'branch', name: 'feature', commit: fx.featureHead },
      { kind: 'branch', name: 'default', commit: fx.tip },
    ]);
    await driver.syncMirror();
    const files = await driver.readFiles([
      { commit: fx.first, path: 'composer.json' },
      { commit: fx.feature, path: 'composer.json' },
      { commit: fx.first, path: 'missing.json' },
      { commit: fx.first, path: 'src' },
      { commit: fx.first, path: 'composer.json' },
    ]);
    t.equal(files.size, 4);
    t.equal(files.get(fileKey(fx.first, 'composer.json'))?.toString(), '{"name":"acme/widget"}\n');
    t.equal(files.get(fileKey(fx.feature, 'composer.json'))?.toString(), '{"name":"acme/widget","description":"feature"}\n');
    t.equal(files.get(fileKey(fx.first, 'missing.json')), null, 'a missing file is null');
    t.equal(files.get(fileKey(fx.first, 'src')), null, 'a directory is not a file');
  });
}

t.test('commit times: the changeset dates, one batch', async (t) => {
  const driver = createHgDriver(optsFor(server.url));
  await driver.syncMirror();
  const times = await driver.commitTimes([fx.first, fx.feature, fx.first]);
  t.equal(times.size, 2);
  const expected = (node: string) =>
    Number(execFileSync('hg', ['log', '-R', fx.dir, '-r', node, '-T', '{date|hgdate}'], { env: { PATH: process.env.PATH, HGRCPATH: '/dev/null' } }).toString().split(' ')[0]);
  t.equal(times.get(fx.first)?.getTime(), expected(fx.first) * 1000);
  t.equal(times.get(fx.feature)?.getTime(), expected(fx.feature) * 1000);
  t.equal(times.get(fx.first)?.toISOString(), '2023-11-14T22:13:20.000Z');
});

t.test('archive: the tree at the root of the zip, no .hg_archival.txt, same bytes twice', async (t) => {
  const driver = createHgDriver(optsFor(server.url));
  await driver.syncMirror();
  const out = join(root, 'dist');
  await driver.archive(fx.feature, join(out, 'a.zip'));
  await driver.archive(fx.feature, join(out, 'b.zip'));
  const list = execFileSync('unzip', ['-Z1', join(out, 'a.zip')]).toString().trim().split('\n').sort();
  t.same(list, ['.hgtags', 'composer.json', 'src/A.php']);
  t.same(await readFile(join(out, 'a.zip')), await readFile(join(out, 'b.zip')), 'deterministic');
  t.same((await readdir(out)).sort(), ['a.zip', 'b.zip'], 'no temp files left');
  t.equal(execFileSync('unzip', ['-p', join(out, 'a.zip'), 'composer.json']).toString(), '{"name":"acme/widget","description":"feature"}\n');
});

t.test('the mirror keeps no trace of the remote and scratch files are removed', async (t) => {
  const opts = optsFor(server.url);
  const driver = createHgDriver(opts);
  await driver.listRemote();
  t.notOk(existsSync(join(opts.mirrorDir, '.hg', 'hgrc')), 'no hgrc with the source path');
  t.same(await readdir(tmpDir), [], 'every private HOME is removed');
  t.same((await readdir(join(root, 'mirrors'))).filter((n) => n.includes('.clone-')), [], 'no staging dirs left');
});

t.test('unchanged remote: one pull; syncMirror after listRemote runs nothing', async (t) => {
  const spyDir = await makeTempDir('packyard-hgspy-');
  t.teardown(() => removeDir(spyDir));
  const spy = await installHgSpy(spyDir);
  t.teardown(() => spy.restore());
  const opts = optsFor(server.url);
  await createHgDriver(opts).syncMirror();

  await spy.reset();
  const driver = createHgDriver(opts);
  const before = await driver.listRemote();
  await driver.syncMirror();
  const calls = await spy.calls();
  const remote = calls.filter((c) => c.args.includes(server.url));
  t.equal(remote.length, 1, 'one command talks to the server');
  t.match(remote[0]?.args ?? [], ['--noninteractive', 'pull']);
  t.equal(calls.length, 2, 'pull, then one command-server process for tags, branches and bookmarks');

  const fresh = await createHgDriver(optsFor(server.url)).listRemote();
  t.same(before, fresh, 'a pull into the existing mirror lists what a fresh clone lists (bookmarks included)');
  t.ok(before.refs.some((r) => r.name === 'bm'), 'bookmarks survive the pull');

  await spy.reset();
  const files = await driver.readFiles(before.refs.map((r) => ({ commit: r.commit, path: 'composer.json' })));
  t.equal(files.size, new Set(before.refs.map((r) => r.commit)).size);
  t.equal((await spy.calls()).length, 1, 'all files in one hg process');
});

t.test('remote changes: new tags, moved and deleted bookmarks are seen on the next listing', async (t) => {
  const opts = optsFor(server.url);
  await createHgDriver(opts).listRemote();
  await fx.repo.update(fx.featureHead);
  await fx.repo.tag('v1.2.0', { rev: fx.featureHead });
  await fx.repo.deleteBookmark('bm');
  await fx.repo.bookmark('next', fx.feature);
  t.teardown(async () => {
    await fx.repo.deleteBookmark('next');
    await fx.repo.bookmark('bm', fx.first);
    await fx.repo.update('default');
  });
  const state = await createHgDriver(opts).listRemote();
  const names = state.refs.map((r) => `${r.kind}:${r.name}`);
  t.ok(names.includes('tag:v1.2.0'), 'new tag');
  t.ok(names.includes('branch:next'), 'new bookmark');
  t.notOk(names.includes('branch:bm'), 'deleted bookmark is gone from the mirror too');
  t.equal(state.refs.find((r) => r.name === 'v1.2.0')?.commit, fx.featureHead);
});

t.test('a node that is not a full changeset id is refused before any command', async (t) => {
  const driver = createHgDriver(optsFor(server.url));
  await t.rejects(driver.readFiles([{ commit: 'tip', path: 'composer.json' }]), { code: 'VCS_ERROR' });
  await t.rejects(driver.archive('default', join(root, 'x.zip')), { code: 'VCS_ERROR' });
  await t.rejects(driver.commitTimes(['abc']), { code: 'VCS_ERROR' });
});

t.test('URLs hg cannot use are refused', async (t) => {
  for (const url of ['git@host:repo', 'git+ssh://host/repo', 'svn://host/repo', 'relative/path', 'ssh://-oProxyCommand=x/repo']) {
    t.throws(() => createHgDriver(optsFor(url)), { code: 'URL_NOT_ALLOWED' }, url);
  }
});

t.test('repository not found (local and served)', async (t) => {
  for (const url of [join(root, 'nope'), `${server.url}nope`]) {
    try {
      await createHgDriver(optsFor(url)).listRemote();
      t.fail('expected VCS_NOT_FOUND');
    } catch (e) {
      t.ok(e instanceof AppError);
      t.equal((e as AppError).code, 'VCS_NOT_FOUND', (e as Error).message);
      t.match((e as Error).message, /Repository .*nope was not found/);
    }
  }
});
