// The git driver against a local bare repository: listing, mirroring with prune, batched reads,
// author dates, deterministic zips with export-ignore, and errors a user can act on.
import t, { type Test } from 'tap';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../../src/domain/errors.js';
import { createGitDriver } from '../../../src/vcs/git.js';
import { fileKey, type Driver } from '../../../src/vcs/types.js';
import { makeTempDir, removeDir, runGit } from '../../helpers/git-repo.js';
import { BINARY, buildPackageFixture, zipEntryNames } from './fixtures/package-repo.js';

const root = await makeTempDir('packyard-git-driver-');
t.teardown(() => removeDir(root));
const fx = await buildPackageFixture(root);
const tmpDir = join(root, 'scratch');

function driverFor(url: string, mirror = 'mirror.git'): Driver {
  return createGitDriver({ url, mirrorDir: join(root, 'mirrors', mirror), tmpDir, timeoutMs: 20_000 });
}

async function rejectsWith(t: Test, promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  try {
    await promise;
    t.fail(`expected ${code}`);
  } catch (e) {
    t.ok(e instanceof AppError, 'an AppError');
    t.equal((e as AppError).code, code);
    t.match((e as Error).message, message);
  }
}

t.test('listRemote: default branch from HEAD, branches, tags peeled to commits', async (t) => {
  const state = await driverFor(fx.bare).listRemote();
  t.equal(state.defaultBranch, 'develop', 'the HEAD symref wins over main/master guesses');
  const byName = new Map(state.refs.map((r) => [`${r.kind}:${r.name}`, r.commit]));
  t.same(
    [...byName.keys()].sort(),
    ['branch:2.x', 'branch:develop', 'branch:main', 'tag:v1.0.0', 'tag:v1.1.0'],
    'feature/HEAD is ignored',
  );
  t.equal(byName.get('tag:v1.0.0'), fx.first, 'lightweight tag');
  t.equal(byName.get('tag:v1.1.0'), fx.second, 'annotated tag peeled to its commit');
  t.not(fx.annotatedTagObject, fx.second, 'the tag object itself is a different id');
  t.equal(byName.get('branch:develop'), fx.second);
  t.equal(byName.get('branch:main'), fx.first);
  t.same(await readdir(tmpDir), [], 'scratch homes are removed after each command');
});

t.test('listRemote also works for file:// URLs', async (t) => {
  const state = await driverFor(`file://${fx.bare}`).listRemote();
  t.equal(state.defaultBranch, 'develop');
  t.equal(state.refs.length, 5);
});

t.test('syncMirror, readFiles, commitTimes and archive', async (t) => {
  const driver = driverFor(fx.bare, 'full.git');
  const mirror = join(root, 'mirrors', 'full.git');
  await rejectsWith(t, driver.readFiles([{ commit: fx.first, path: 'composer.json' }]), 'VCS_ERROR', /sync it first/);
  await driver.syncMirror();
  t.equal(await readFile(join(mirror, 'HEAD'), 'utf8'), 'ref: refs/heads/develop\n', 'mirror HEAD is the default branch');
  const config = await readFile(join(mirror, 'config'), 'utf8');
  t.notMatch(config, /\[remote|url\s*=/, 'no remote or URL stored in the mirror config');
  await t.rejects(stat(join(mirror, 'FETCH_HEAD')), 'no FETCH_HEAD (it would name the URL)');

  const files = await driver.readFiles([
    { commit: fx.first, path: 'composer.json' },
    { commit: fx.second, path: 'composer.json' },
    { commit: fx.first, path: 'assets/logo.bin' },
    { commit: fx.first, path: 'missing.json' },
    { commit: fx.first, path: 'src' },
    { commit: fx.first, path: 'composer.json' },
    { commit: fx.first, path: 'bad\npath' },
  ]);
  t.equal(files.size, 6, 'one entry per distinct request');
  t.equal(files.get(fileKey(fx.first, 'composer.json'))?.toString(), '{"name":"acme/widget"}\n');
  t.equal(files.get(fileKey(fx.second, 'composer.json'))?.toString(), '{"name":"acme/widget","description":"two"}\n');
  t.same(files.get(fileKey(fx.first, 'assets/logo.bin')), BINARY, 'binary content byte for byte');
  t.equal(files.get(fileKey(fx.first, 'missing.json')), null, 'missing file');
  t.equal(files.get(fileKey(fx.first, 'src')), null, 'a directory is not a file');
  t.equal(files.get(fileKey(fx.first, 'bad\npath')), null, 'unaskable path');

  const times = await driver.commitTimes([fx.first, fx.second, fx.first]);
  t.equal(times.size, 2);
  t.equal(times.get(fx.first)?.toISOString(), '2024-02-01T10:00:00.000Z');
  t.equal(times.get(fx.second)?.toISOString(), '2024-02-15T08:30:00.000Z', 'author date, not committer date');

  const zipA = join(root, 'dists', 'a', 'widget.zip');
  const zipB = join(root, 'dists', 'b', 'widget.zip');
  await driver.archive(fx.second, zipA);
  await driver.archive(fx.second, zipB);
  const [bytesA, bytesB] = [await readFile(zipA), await readFile(zipB)];
  t.ok(bytesA.equals(bytesB), 'the same commit gives the same bytes');
  t.same(
    zipEntryNames(bytesA),
    ['.gitattributes', 'assets/', 'assets/logo.bin', 'composer.json', 'src/', 'src/Widget.php'],
    'export-ignore drops tests/',
  );
  t.same(await readdir(join(root, 'dists', 'a')), ['widget.zip'], 'no temp file left behind');
  await rejectsWith(t, driver.archive('f'.repeat(40), join(root, 'dists', 'c.zip')), 'VCS_ERROR', /archive failed for .*widget\.git/);
  t.same(await readdir(join(root, 'dists')), ['a', 'b'], 'a failed archive leaves nothing');
});

t.test('syncMirror prunes deleted tags and branches and follows a new default branch', async (t) => {
  const driver = driverFor(fx.bare, 'prune.git');
  const mirror = join(root, 'mirrors', 'prune.git');
  await driver.syncMirror();
  t.match(await runGit(mirror, ['show-ref']), /refs\/tags\/v1\.0\.0/);

  await fx.work.deleteTag('v1.0.0');
  await fx.work.deleteBranch('2.x');
  await fx.work.publishBare(fx.bare, 'main');
  t.teardown(async () => {
    await fx.work.tag('v1.0.0', { ref: fx.first });
    await fx.work.branch('2.x', fx.second);
    await fx.work.publishBare(fx.bare, 'develop');
  });

  const state = await driver.listRemote();
  t.equal(state.defaultBranch, 'main');
  t.notOk(state.refs.some((r) => r.name === 'v1.0.0' || r.name === '2.x'), 'gone from the listing');
  await driver.syncMirror();
  const refs = await runGit(mirror, ['show-ref']);
  t.notMatch(refs, /refs\/tags\/v1\.0\.0/, 'deleted tag pruned');
  t.notMatch(refs, /refs\/heads\/2\.x/, 'deleted branch pruned');
  t.match(refs, /refs\/tags\/v1\.1\.0/);
  t.equal(await readFile(join(mirror, 'HEAD'), 'utf8'), 'ref: refs/heads/main\n');
});

t.test('errors name the repository and say what went wrong', async (t) => {
  const missing = join(root, 'served', 'nope.git');
  await rejectsWith(t, driverFor(missing).listRemote(), 'VCS_NOT_FOUND', /Repository .*nope\.git was not found/);
  await rejectsWith(t, driverFor(missing, 'nope.git').syncMirror(), 'VCS_NOT_FOUND', /nope\.git/);
  const driver = driverFor(fx.bare, 'full.git');
  await rejectsWith(t, driver.readFiles([{ commit: 'HEAD', path: 'x' }]), 'VCS_ERROR', /not a full commit id/);
  await rejectsWith(t, driver.commitTimes(['0'.repeat(40)]), 'VCS_ERROR', /log failed for .*bad object/);
  t.throws(() => driverFor('ext::sh -c id'), { code: 'URL_NOT_ALLOWED' }, 'unsafe URLs never reach git');
  t.throws(() => driverFor('relative.git'), { code: 'URL_NOT_ALLOWED' });
  const mismatched = createGitDriver({
    url: 'ssh://git@127.0.0.1:1/x.git',
    mirrorDir: join(root, 'm'),
    tmpDir,
    timeoutMs: 1000,
    credential: { type: 'http-basic', username: 'u', password: 'p' },
  });
  await rejectsWith(t, mismatched.listRemote(), 'CREDENTIAL_INVALID', /http-basic cannot be used with a ssh/);
});
