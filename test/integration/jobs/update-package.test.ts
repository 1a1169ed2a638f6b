// The update job against a real repository, counting what the driver is asked to do: nothing
// but one ls-remote when nothing changed; composer.json read only for new commits.
import t from 'tap';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { compose, type Deps } from '../../../src/compose.js';
import { createLogger } from '../../../src/log.js';
import { createGitDriver } from '../../../src/vcs/git.js';
import type { Driver, DriverOptions, VcsType } from '../../../src/vcs/types.js';
import type { DriverFactory } from '../../../src/vcs/registry.js';
import { createOrg } from '../../../src/services/orgs.js';
import { addPackage, describePackage } from '../../../src/services/packages.js';
import { runOrWait } from '../../../src/jobs/wait.js';
import { createGitRepo, makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { writeFileSync } from 'node:fs';
import { startPackyard } from '../../helpers/packyard.js';
import { requestUpdate } from '../../../src/jobs/requests.js';

interface Calls {
  listRemote: number;
  syncMirror: number;
  readFiles: number[];
  archive: number;
}

function spyDrivers(calls: Calls): ReadonlyMap<VcsType, DriverFactory> {
  const factory = (opts: DriverOptions): Driver => {
    const real = createGitDriver(opts);
    return {
      type: real.type,
      listRemote: () => (calls.listRemote++, real.listRemote()),
      syncMirror: () => (calls.syncMirror++, real.syncMirror()),
      readFiles: (r, l) => (calls.readFiles.push(r.length), real.readFiles(r, l)),
      commitTimes: (c) => real.commitTimes(c),
      archive: (c, f) => (calls.archive++, real.archive(c, f)),
    };
  };
  return new Map([['git', factory]]);
}

const json = (o: unknown) => `${JSON.stringify(o)}\n`;

t.test('updates do only the work that changed', async (t) => {
  const work = await makeTempDir('pky-update-');
  t.teardown(() => removeDir(work));
  const repo = await createGitRepo(join(work, 'src'), { defaultBranch: 'main' });
  const ids = await repo.bulkCommits(
    Array.from({ length: 30 }, (_, i) => ({ files: { 'composer.json': json({ name: 'acme/many', description: `r${i}` }) }, message: `c${i}`, tag: `v1.0.${i}` })),
  );
  t.equal(ids.length, 30);
  const configFile = join(work, 'packyard.yaml');
  writeFileSync(configFile, `data_dir: "${join(work, 'data')}"\nvcs:\n  allow_local_paths: true\n  denied_networks: []\n`);
  const calls: Calls = { listRemote: 0, syncMirror: 0, readFiles: [], archive: 0 };
  const deps: Deps = compose(loadConfig({ file: configFile, env: {} }), { log: createLogger('silent'), drivers: spyDrivers(calls) });
  t.teardown(() => deps.close());
  createOrg(deps.db, 'acme', 'test');
  const policy = { allowLocalPaths: true, allowedProtocols: ['https'], vcsTypes: ['git' as const] };
  const { pkg, job } = addPackage(deps.db, deps.queue, policy, { org: 'acme', url: repo.dir }, 'test');
  const run = async (jobId: number) => runOrWait(deps.queue, deps.runner, jobId, 60_000);

  const first = await run(job.id);
  t.equal(first.status, 'done', first.error ?? '');
  t.same(calls, { listRemote: 1, syncMirror: 1, readFiles: [30], archive: 0 }, 'first import: one batch for 30 commits (main is on the last tag)');
  t.equal(describePackage(deps.db, 'acme', 'acme/many').versions.length, 31);

  const unchanged = await run(requestUpdate(deps.queue, pkg.id, 'test').job.id);
  t.equal(unchanged.status, 'done');
  t.equal(unchanged.result?.changed, false);
  t.same(calls, { listRemote: 2, syncMirror: 1, readFiles: [30], archive: 0 }, 'unchanged: one ls-remote, no fetch, no reads');

  await repo.tag('v2.0.0', { ref: ids[3] });
  const tagged = await run(requestUpdate(deps.queue, pkg.id, 'test').job.id);
  t.same(tagged.result?.added, ['v2.0.0']);
  t.same(calls.readFiles, [30, 1], 'a new tag on a known commit: only the default branch is re-read');

  await repo.deleteTag('v1.0.5');
  const removed = await run(requestUpdate(deps.queue, pkg.id, 'test').job.id);
  t.same(removed.result?.removed, ['v1.0.5']);
});

t.test('an unchanged remote reports the stored skipped count, and the CLI keeps its hint', async (t) => {
  const work = await makeTempDir('pky-update-skipped-');
  t.teardown(() => removeDir(work));
  const repo = await createGitRepo(join(work, 'src'), { defaultBranch: 'main' });
  await repo.commit({ 'composer.json': json({ name: 'acme/skips' }) }, 'first');
  await repo.tag('1.0.0');
  await repo.tag('not-a-version');
  await repo.commit({ 'composer.json': '{ broken' }, 'second');
  await repo.tag('2.0.0');
  await repo.commit({ 'composer.json': json({ name: 'acme/skips' }) }, 'third');
  const pky = await startPackyard(t, { listen: false });
  t.equal((await pky.cli(['org', 'create', 'acme'])).code, 0);
  const added = await pky.cli(['package', 'add', '--org', 'acme', repo.dir]);
  t.equal(added.code, 0, added.stderr);
  t.match(added.stdout, '2 refs skipped (see package show)');
  const again = await pky.cli(['package', 'update', '--org', 'acme', 'acme/skips']);
  t.equal(again.code, 0, again.stderr);
  t.equal(again.stdout.trim(), 'acme/skips: up to date (2 refs skipped; see package show)', 'the no-change path keeps the hint');
  const last = pky.deps.sqlite.prepare(`SELECT result FROM jobs ORDER BY id DESC LIMIT 1`).get() as { result: string };
  t.match(JSON.parse(last.result), { changed: false, skipped: 2 }, 'the job result carries the count');
});
