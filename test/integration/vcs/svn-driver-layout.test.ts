// The svn driver's layout options (composer's trunk-path, branches-path, tags-path, package-path),
// each checked against composer's own SvnDriver with the same repository config, and batching at
// package scale (hundreds of tags: a fixed number of processes).
import t from 'tap';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createSvnBenchRepo } from '../../../scripts/bench/svn-fixture.js';
import { createSvnDriver } from '../../../src/vcs/svn.js';
import { fileKey, type SvnLayout } from '../../../src/vcs/types.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { makeSvnRepo } from '../../helpers/svn-servers.js';
import { installSvnSpy } from './fixtures/svn-spy.js';
import { composerView } from './fixtures/composer-svn.js';

const root = await makeTempDir('packyard-svn-layout-');
t.teardown(() => removeDir(root));
const spyDir = await makeTempDir('packyard-svn-spy-');
const spy = await installSvnSpy(spyDir);
t.teardown(async () => {
  spy.restore();
  await removeDir(spyDir);
});
let n = 0;
const driverFor = (url: string, layout: Partial<SvnLayout>) =>
  createSvnDriver({
    url,
    mirrorDir: join(root, `m${++n}`),
    tmpDir: join(root, 'tmp'),
    timeoutMs: 60_000,
    svn: { trunkPath: 'trunk', branchesPath: 'branches', tagsPath: 'tags', packagePath: '', ...layout },
  });
const refsOf = async (url: string, layout: Partial<SvnLayout>) =>
  (await driverFor(url, layout).listRemote()).refs.map((r) => [r.kind === 'tag' ? 'tag' : 'branch', r.name, r.commit]);
const composerRefs = (url: string, config: Record<string, unknown>) => {
  const view = composerView(url, config);
  return { view, refs: [...view.branches.map(([a, b]) => ['branch', a, b]), ...view.tags.map(([a, b]) => ['tag', a, b])] };
};

t.test('custom trunk, branches and tags paths with a package path', async (t) => {
  const repo = await makeSvnRepo(join(root, 'custom'), {
    trunkPath: 'main',
    branchesPath: 'dev/branches',
    tagsPath: 'releases',
    packagePath: 'lib/pkg',
    steps: [
      { trunk: { 'composer.json': '{"name":"acme/custom"}\n', 'src/A.php': 'a' } },
      { tag: '1.0.0' },
      { branch: 'next', files: { 'src/B.php': 'b' } },
      { commitTo: 'main', files: { 'lib/other.txt': 'outside the package' } },
      { tag: '1.1.0' },
    ],
  });
  const layout = { trunkPath: 'main', branchesPath: 'dev/branches', tagsPath: 'releases', packagePath: 'lib/pkg' };
  const { view, refs } = composerRefs(repo.url, { 'trunk-path': 'main', 'branches-path': 'dev/branches', 'tags-path': 'releases', 'package-path': 'lib/pkg' });
  const mine = await refsOf(repo.url, layout);
  t.same(mine, refs);
  t.same(mine, [
    ['branch', 'trunk', `/main/lib/pkg/@${repo.revisions[3]}`],
    ['branch', 'next', `/dev/branches/next/lib/pkg/@${repo.revisions[2]}`],
    ['tag', '1.0.0', `/releases/1.0.0/lib/pkg/@${repo.revisions[1]}`],
    ['tag', '1.1.0', `/releases/1.1.0/lib/pkg/@${repo.revisions[4]}`],
  ]);
  const driver = driverFor(repo.url, layout);
  const ids = mine.map((r) => r[2] as string);
  const files = await driver.readFiles(ids.map((commit) => ({ commit, path: 'composer.json' })));
  for (const id of ids) t.equal(files.get(fileKey(id, 'composer.json'))?.toString(), '{"name":"acme/custom"}\n');
  const times = await driver.commitTimes(ids);
  for (const id of ids) t.equal(times.get(id)?.toISOString().replace(/\.\d{3}Z$/, '+00:00'), view.info[id]?.time, `time of ${id}`);
  const zip = join(root, 'custom.zip');
  await driver.archive(ids[1] as string, zip);
  t.same(execFileSync('zipinfo', ['-1', zip], { encoding: 'utf8' }).trim().split('\n'), ['composer.json', 'src/', 'src/A.php', 'src/B.php'], 'package path only');
});

t.test('tags path false, and a URL that points into trunk', async (t) => {
  const repo = await makeSvnRepo(join(root, 'notags'), {
    tagsPath: false,
    steps: [{ trunk: { 'composer.json': '{"name":"acme/notags"}\n' } }, { branch: 'b1' }],
  });
  const { refs } = composerRefs(repo.url, { 'tags-path': false });
  t.same(await refsOf(repo.url, { tagsPath: false }), refs);
  t.same(refs.map((r) => r[1]), ['trunk', 'b1']);
  // composer cuts the URL before "/trunk": the same repository, the same identifiers.
  const intoTrunk = composerRefs(`${repo.url}/trunk`, { 'tags-path': false }).refs;
  t.same(await refsOf(`${repo.url}/trunk`, { tagsPath: false }), intoTrunk);
  t.same(intoTrunk, refs);
});

t.test('branches path false; trunk path false lists the root as "trunk"', async (t) => {
  const repo = await makeSvnRepo(join(root, 'flat'), {
    trunkPath: false,
    branchesPath: false,
    tagsPath: 'tags',
    steps: [{ ops: ['mkdir', 'src'] }, { commitTo: '', files: { 'composer.json': '{"name":"acme/flat"}\n' } }],
  });
  // composer 2.5's trunk-path false cuts the URL at its last "/" (strrpos of "/" . false), which
  // makes it list the parent directory; the driver lists the repository root instead.
  const refs = await refsOf(repo.url, { trunkPath: false, branchesPath: false });
  t.same(refs, [['branch', 'trunk', `/@${repo.revisions[1]}`]]);
  const driver = driverFor(repo.url, { trunkPath: false, branchesPath: false });
  const files = await driver.readFiles([{ commit: `/@${repo.revisions[1]}`, path: 'composer.json' }]);
  t.equal(files.get(fileKey(`/@${repo.revisions[1]}`, 'composer.json'))?.toString(), '{"name":"acme/flat"}\n');
  t.throws(() => composerRefs(repo.url, { 'trunk-path': false, 'branches-path': false }), 'composer 2.5 itself fails here');
});

t.test('a configured directory that does not exist is VCS_NOT_FOUND naming it', async (t) => {
  const repo = await makeSvnRepo(join(root, 'nobranches'), { branchesPath: false, steps: [{ trunk: { 'composer.json': '{}' } }] });
  await t.rejects(driverFor(repo.url, {}).listRemote(), { code: 'VCS_NOT_FOUND', message: /branches path "branches" does not exist/ });
});

t.test('300 tags: listing, reads and times in a bounded number of processes', async (t) => {
  const bench = await createSvnBenchRepo(join(root, 'many'), { tags: 300 });
  const driver = driverFor(bench.url, {});
  await spy.reset();
  const state = await driver.listRemote();
  t.equal(state.refs.length, 301);
  const files = await driver.readFiles(state.refs.map((r) => ({ commit: r.commit, path: 'composer.json' })));
  t.equal(files.get(fileKey(`/tags/v1.0.299/@${bench.firstTagRevision + 299}`, 'composer.json'))?.toString(), '{"name":"bench/svn-many","description":"release 299"}\n');
  const times = await driver.commitTimes(state.refs.map((r) => r.commit));
  t.equal(times.size, 301);
  t.equal(times.get(`/tags/v1.0.0/@${bench.firstTagRevision}`)?.toISOString(), '2023-01-01T01:00:00.000Z');
  const counts = (await spy.subcommands()).reduce<Record<string, number>>((c, s) => ({ ...c, [s]: (c[s] ?? 0) + 1 }), {});
  t.same(counts, { info: 1, ls: 5, cat: 4 }, 'listing: info + ls; reads: ls + cat per 100 files; times: from the listing');
});
