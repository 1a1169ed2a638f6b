// The svn driver on a standard-layout repository, checked against Debian composer's own SvnDriver
// run on the same repository: refs in its order with its `/PATH/@REV` identifiers, composer.json
// at path@rev, `time` from the path's last changed date; plus batching and deterministic zips.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../../src/domain/errors.js';
import { createSvnDriver } from '../../../src/vcs/svn.js';
import { fileKey, type DriverOptions } from '../../../src/vcs/types.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { makeSvnRepo } from '../../helpers/svn-servers.js';
import { composerView } from './fixtures/composer-svn.js';
import { installSvnSpy } from './fixtures/svn-spy.js';

const root = await makeTempDir('packyard-svn-driver-');
t.teardown(() => removeDir(root));
const spyDir = await makeTempDir('packyard-svn-spy-');
const spy = await installSvnSpy(spyDir);
t.teardown(async () => {
  spy.restore();
  await removeDir(spyDir);
});

const composerJson = (description: string) => `{"name":"acme/svnpkg","description":"${description}"}\n`;
const repo = await makeSvnRepo(join(root, 'repo'), {
  steps: [
    { trunk: { 'composer.json': composerJson('first'), 'src/A.php': '<?php // A\n', 'bin/tool': '#!/bin/sh\necho tool\n', 'one/only.txt': '1' } },
    { ops: ['propset', 'svn:executable', '*', 'trunk/bin/tool'] },
    { tag: '1.0.0' },
    { tag: 'v1.0.0', files: { 'composer.json': composerJson('duplicate of 1.0.0') } },
    { trunk: { 'composer.json': composerJson('second'), 'src/B.php': '<?php // B\n' } },
    { tag: '1.1.0' },
    { tag: '2.0.0', files: { 'composer.json': null } },
    { tag: '3.0.0', files: { 'composer.json': '{invalid json' } },
    { branch: 'feature', files: { 'src/C.php': '<?php // C\n' } },
    { tag: 'x y' },
    { trunk: { 'composer.json': composerJson('third') } },
  ],
});

const options = (extra: Partial<DriverOptions> = {}): DriverOptions => ({
  url: repo.url,
  mirrorDir: join(root, 'mirror'),
  tmpDir: join(root, 'tmp'),
  timeoutMs: 30_000,
  ...extra,
});
const driver = createSvnDriver(options());
const composer = composerView(repo.url);
const withComposerJson = (id: string) => composer.info[id]?.composer !== null;

t.test('refs, order and identifiers are composer\'s', async (t) => {
  await spy.reset();
  const state = await driver.listRemote();
  t.equal(state.defaultBranch, 'trunk');
  t.equal(state.refs.find((r) => r.name === 'trunk')?.commit, composer.root, 'the default branch is composer\'s root identifier');
  const mine = state.refs.map((r) => [r.kind, r.name, r.commit]);
  const theirs = [
    ...composer.branches.map(([n, id]) => ['branch', n, id]),
    ...composer.tags.map(([n, id]) => ['tag', n, id]),
  ];
  // composer splits `svn ls -v` text on whitespace: "x y" becomes a tag "y" that has no
  // composer.json; such refs are left out here, every other ref is the same, in the same order.
  t.same(
    mine,
    theirs.filter(([, , id]) => withComposerJson(id as string) || mine.some((m) => m[2] === id)),
  );
  t.ok(theirs.filter(([, , id]) => !mine.some((m) => m[2] === id)).every(([, , id]) => !withComposerJson(id as string)));
  t.same(mine.slice(0, 2), [
    ['branch', 'trunk', `/trunk/@${repo.head}`],
    ['branch', 'feature', `/branches/feature/@${repo.revisions[8]}`],
  ]);
  t.same((await spy.subcommands()), ['info', 'ls'], 'two svn processes, no checkout');
});

t.test('composer.json at path@rev in one batch, as composer reads it', async (t) => {
  const state = await driver.listRemote();
  await driver.syncMirror();
  await spy.reset();
  const files = await driver.readFiles(state.refs.map((r) => ({ commit: r.commit, path: 'composer.json' })));
  t.same(await spy.subcommands(), ['ls', 'cat'], 'sizes, then one cat of every file');
  for (const ref of state.refs) {
    const bytes = files.get(fileKey(ref.commit, 'composer.json'));
    const expected = composer.info[ref.commit]?.composer;
    if (ref.name === '2.0.0') t.equal(bytes, null, 'a tag without composer.json');
    else if (ref.name === '3.0.0') t.equal(bytes?.toString(), '{invalid json', 'invalid JSON is returned as is');
    else {
      const { time: _time, ...parsed } = expected as Record<string, unknown>;
      t.same(JSON.parse(bytes?.toString() ?? 'null'), parsed, `${ref.name}: same composer.json as composer reads`);
    }
  }
  const more = await driver.readFiles([
    { commit: `/tags/1.1.0/@${repo.revisions[5]}`, path: 'src/B.php' },
    { commit: `/tags/1.1.0/@${repo.revisions[5]}`, path: 'src' },
    { commit: `/tags/1.0.0/@${repo.revisions[2]}`, path: 'src/B.php' },
    { commit: `/tags/1.0.0/@${repo.revisions[2]}`, path: 'one' },
  ]);
  t.equal(more.get(fileKey(`/tags/1.0.0/@${repo.revisions[2]}`, 'one')), null, 'a directory holding one file is not that file');
  t.equal(more.get(fileKey(`/tags/1.1.0/@${repo.revisions[5]}`, 'src/B.php'))?.toString(), '<?php // B\n');
  t.equal(more.get(fileKey(`/tags/1.1.0/@${repo.revisions[5]}`, 'src')), null, 'a directory is not a file');
  t.equal(more.get(fileKey(`/tags/1.0.0/@${repo.revisions[2]}`, 'src/B.php')), null);
});

t.test('commit times are composer\'s `time` (last changed date of path@rev), one process', async (t) => {
  const state = await driver.listRemote();
  const ids = state.refs.filter((r) => withComposerJson(r.commit) && r.name !== '3.0.0').map((r) => r.commit);
  await spy.reset();
  const times = await driver.commitTimes([...ids, '/tags/gone/@3']);
  t.same(await spy.subcommands(), ['info'], 'listed refs are dated by the listing; only the unknown one is asked');
  for (const id of ids) {
    t.equal(times.get(id)?.toISOString().replace(/\.\d{3}Z$/, '+00:00'), composer.info[id]?.time, id);
  }
  t.notOk(times.has('/tags/gone/@3'), 'a path that never existed has no time');
  // A driver that has not listed asks svn info: the same dates.
  const fresh = await createSvnDriver(options()).commitTimes(ids);
  t.same([...fresh.entries()].sort(), [...times.entries()].sort(), 'svn info gives the same dates as the listing');
});

t.test('archive: the tree at path@rev as a deterministic zip', async (t) => {
  const id = `/tags/1.1.0/@${repo.revisions[5]}`;
  const a = join(root, 'dists', 'a.zip');
  const b = join(root, 'dists', 'b.zip');
  await driver.archive(id, a);
  await driver.archive(id, b);
  t.same(await readFile(a), await readFile(b), 'same bytes every time');
  t.match(execFileSync('unzip', ['-t', a], { encoding: 'utf8' }), /No errors detected/);
  const listing = execFileSync('zipinfo', ['-1', a], { encoding: 'utf8' }).trim().split('\n');
  t.same(listing, ['bin/', 'bin/tool', 'composer.json', 'one/', 'one/only.txt', 'src/', 'src/A.php', 'src/B.php']);
  t.match(execFileSync('zipinfo', [a, 'bin/tool'], { encoding: 'utf8' }), /^-rwxr-xr-x/, 'svn:executable kept');
  const php = execFileSync(
    'php',
    ['-r', '$z = new ZipArchive(); if ($z->open($argv[1]) !== true) exit(1); echo $z->getFromName("composer.json");', a],
    { encoding: 'utf8' },
  );
  t.equal(php, composerJson('second'), 'PHP ZipArchive reads it');
  const deletedTag = `/tags/2.0.0/@${repo.revisions[6]}`;
  await driver.archive(deletedTag, join(root, 'dists', 'c.zip'));
  t.notOk(execFileSync('zipinfo', ['-1', join(root, 'dists', 'c.zip')], { encoding: 'utf8' }).includes('composer.json'));
});

t.test('identifiers are validated', async (t) => {
  for (const bad of ['HEAD', '/trunk/', '/trunk/@x', '/../etc/@1', '/a\n/@1']) {
    await t.rejects(driver.readFiles([{ commit: bad, path: 'composer.json' }]), { code: 'VCS_ERROR' }, JSON.stringify(bad));
  }
  await t.rejects(driver.archive('/tags/1.0.0', join(root, 'x.zip')), AppError);
});

t.test('a repository that does not exist is VCS_NOT_FOUND', async (t) => {
  const missing = createSvnDriver(options({ url: `file://${join(root, 'nope')}` }));
  await t.rejects(missing.listRemote(), { code: 'VCS_NOT_FOUND', message: /nope/ });
});

t.test('keywords and eol-style change sizes: reads fall back to one cat per file, bytes as composer sees them', async (t) => {
  const kw = await makeSvnRepo(join(root, 'keywords'), {
    steps: [
      { trunk: { 'composer.json': '{"name":"acme/kw","description":"$Revision$"}\n', 'plain.txt': 'plain\n', 'crlf.txt': 'a\r\nb\r\n' } },
      { ops: ['propset', 'svn:keywords', 'Revision', 'trunk/composer.json', 'propset', 'svn:eol-style', 'LF', 'trunk/crlf.txt'] },
      { tag: '1.0.0' },
    ],
  });
  const d = createSvnDriver(options({ url: kw.url }));
  const state = await d.listRemote();
  const view = composerView(kw.url);
  const tag = state.refs.find((r) => r.name === '1.0.0')?.commit as string;
  const files = await d.readFiles(['composer.json', 'plain.txt', 'crlf.txt'].map((path) => ({ commit: tag, path })));
  const { time: _time, ...expected } = view.info[tag]?.composer as Record<string, unknown>;
  t.same(JSON.parse(files.get(fileKey(tag, 'composer.json'))?.toString() ?? 'null'), expected, 'expanded like composer reads it');
  t.match(files.get(fileKey(tag, 'composer.json'))?.toString(), /\$Revision: \d+ \$/);
  t.equal(files.get(fileKey(tag, 'plain.txt'))?.toString(), 'plain\n');
  t.equal(files.get(fileKey(tag, 'crlf.txt'))?.toString(), 'a\nb\n');
});

t.test('tag names with @, # and % resolve', async (t) => {
  const odd = await makeSvnRepo(join(root, 'odd'), {
    steps: [{ trunk: { 'composer.json': '{"name":"acme/odd"}\n' } }, { tag: 'v1@x' }, { tag: '2.0#a%b' }],
  });
  const d = createSvnDriver(options({ url: odd.url }));
  const state = await d.listRemote();
  t.same(state.refs.map((r) => r.name), ['trunk', '2.0#a%b', 'v1@x']);
  const files = await d.readFiles(state.refs.map((r) => ({ commit: r.commit, path: 'composer.json' })));
  for (const r of state.refs) t.equal(files.get(fileKey(r.commit, 'composer.json'))?.toString(), '{"name":"acme/odd"}\n', r.name);
  const times = await d.commitTimes(state.refs.map((r) => r.commit));
  t.equal(times.size, 3);
  const zip = join(root, 'odd.zip');
  await d.archive(state.refs[2]?.commit as string, zip);
  t.match(execFileSync('zipinfo', ['-1', zip], { encoding: 'utf8' }), /composer\.json/);
});
