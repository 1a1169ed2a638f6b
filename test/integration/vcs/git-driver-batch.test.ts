// The git driver at package scale: 500 tags are listed in one ls-remote, and their composer.json
// files and commit dates are read with one git process each, whatever the number of refs.
import t from 'tap';
import { join } from 'node:path';
import { createGitDriver } from '../../../src/vcs/git.js';
import { fileKey } from '../../../src/vcs/types.js';
import { startGitHttpServer } from '../../helpers/git-http-server.js';
import { createGitRepo, makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { installProcessSpy } from './fixtures/process-spy.js';

const COUNT = 500;
const root = await makeTempDir('packyard-git-batch-');
t.teardown(() => removeDir(root));
const spy = await installProcessSpy(await makeTempDir('packyard-spy-'));
t.teardown(() => spy.restore());

const work = await createGitRepo(join(root, 'work'), { defaultBranch: 'main' });
const base = Date.parse('2023-01-01T00:00:00Z');
const commits = await work.bulkCommits(
  Array.from({ length: COUNT }, (_, i) => ({
    files: { 'composer.json': `{"name":"acme/many","version":"1.0.${i}"}\n`, [`data/${i}.bin`]: Buffer.from([i % 256, 0, 10]) },
    message: `release ${i}`,
    date: new Date(base + i * 3_600_000).toISOString(),
    tag: `v1.0.${i}`,
  })),
);
const bare = await work.publishBare(join(root, 'served', 'many.git'));
const driver = createGitDriver({ url: bare, mirrorDir: join(root, 'mirror.git'), tmpDir: join(root, 'tmp'), timeoutMs: 60_000 });

t.test(`${COUNT} tags: one process per operation`, async (t) => {
  await spy.reset();
  const state = await driver.listRemote();
  t.equal(state.refs.filter((r) => r.kind === 'tag').length, COUNT);
  t.equal(state.refs.find((r) => r.name === 'v1.0.499')?.commit, commits[499]);
  await driver.syncMirror();
  t.same(
    (await spy.calls()).map((c) => c.args.find((a) => !a.startsWith('-') && !a.includes('=')) ?? ''),
    ['ls-remote', 'clone', 'config'],
    'listing and the first sync: ls-remote, a bare clone, removing its remote section',
  );

  await spy.reset();
  const requests = commits.flatMap((commit, i) => [
    { commit, path: 'composer.json' },
    { commit, path: `data/${i}.bin` },
  ]);
  const files = await driver.readFiles(requests);
  const calls = await spy.calls();
  t.equal(calls.length, 1, `${requests.length} file reads use one git process`);
  t.ok(calls[0]?.args.includes('cat-file') && calls[0]?.args.includes('--batch'));
  t.equal(files.size, requests.length);
  let right = 0;
  commits.forEach((commit, i) => {
    const json = files.get(fileKey(commit, 'composer.json'))?.toString();
    const bin = files.get(fileKey(commit, `data/${i}.bin`));
    if (json === `{"name":"acme/many","version":"1.0.${i}"}\n` && bin?.equals(Buffer.from([i % 256, 0, 10]))) right++;
  });
  t.equal(right, COUNT, 'every file has its own content, in order');

  await spy.reset();
  const times = await driver.commitTimes(commits);
  t.equal((await spy.calls()).length, 1, `${COUNT} commit dates use one git process`);
  t.equal(times.size, COUNT);
  t.equal(times.get(commits[0] ?? '')?.toISOString(), '2023-01-01T00:00:00.000Z');
  t.equal(times.get(commits[499] ?? '')?.toISOString(), new Date(base + 499 * 3_600_000).toISOString());
});

t.test('an unchanged remote: a second sync fetches nothing new and keeps every ref', async (t) => {
  await spy.reset();
  await driver.listRemote();
  await driver.syncMirror();
  t.same(
    (await spy.calls()).map((c) => c.args.find((a) => !a.startsWith('-') && !a.includes('=')) ?? ''),
    ['ls-remote', 'fetch'],
    'no init, no HEAD rewrite the second time',
  );
  const files = await driver.readFiles([{ commit: commits[250] ?? '', path: 'composer.json' }]);
  t.equal(files.size, 1);
});

t.test('a large fetch over smart HTTP (gzip-compressed request bodies) mirrors every tag', async (t) => {
  const server = await startGitHttpServer({ root: join(root, 'served'), username: 'u', password: 'p-secret' });
  t.teardown(() => server.close());
  const overHttp = createGitDriver({
    url: server.url('many.git'),
    mirrorDir: join(root, 'http-mirror.git'),
    tmpDir: join(root, 'tmp'),
    timeoutMs: 60_000,
    credential: { type: 'http-basic', username: 'u', password: 'p-secret' },
  });
  await overHttp.syncMirror();
  t.ok(server.requests.some((r) => r.contentEncoding === 'gzip' && r.status === 200), 'git sent a gzip body and it was served');
  const times = await overHttp.commitTimes(commits);
  t.equal(times.size, COUNT, 'every commit arrived');
});
