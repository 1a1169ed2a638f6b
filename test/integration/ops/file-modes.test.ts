// Everything under data_dir is private to the server's user (0700 directories, 0600 files): a
// fresh install after adding a package, building a dist, taking a backup and restoring it, with
// the environment's umask at 0o022 so that the code, not the environment, makes them private;
// and an older install's readable files are tightened when the server starts.
import t from 'tap';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startPackyard } from '../../helpers/packyard.js';
import { createGitRepo, makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { runOrWait } from '../../../src/jobs/wait.js';
import { requestUpdate } from '../../../src/jobs/requests.js';

const json = (o: unknown) => `${JSON.stringify(o)}\n`;

/** Paths under `root` that group or other may read, write or enter. */
function readableByOthers(root: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    if ((st.mode & 0o077) !== 0) out.push(`${p.slice(root.length) || '/'} ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const name of readdirSync(p)) walk(join(p, name));
  };
  walk(root);
  return out;
}

t.test('data_dir stays private through add, dist, backup and restore', async (t) => {
  const before = process.umask(0o022);
  t.teardown(() => process.umask(before));
  const work = await makeTempDir('pky-modes-');
  t.teardown(() => removeDir(work));
  const repo = await createGitRepo(join(work, 'src'), { defaultBranch: 'main' });
  await repo.commit({ 'composer.json': json({ name: 'acme/lib' }) }, 'one');
  await repo.tag('v1.0.0');

  const pky = await startPackyard(t);
  // The server's entry set its umask; the CLI processes below must set theirs themselves.
  process.umask(0o022);
  for (const args of [['org', 'create', 'acme'], ['package', 'add', '--org', 'acme', repo.dir]]) {
    const r = await pky.cli(args);
    t.equal(r.code, 0, r.stderr);
  }
  const token = (await pky.cli(['token', 'create', '--org', 'acme'])).stdout.trim();
  const auth = { authorization: `Bearer ${token}` };
  const p2 = await pky.server!.app.inject({ url: '/acme/p2/acme/lib.json', headers: auth });
  const distPath = new URL(String(JSON.parse(p2.body).packages['acme/lib'][0].dist.url)).pathname;
  const dist = await pky.server!.app.inject({ url: distPath, headers: auth });
  t.equal(dist.statusCode, 200, 'a dist was built (by the server, with umask 0o022)');
  // An update run by the server itself (umask 0o022 now): git writes new objects into the mirror.
  await repo.commit({ 'composer.json': json({ name: 'acme/lib', description: 'two' }) }, 'two');
  await repo.tag('v1.1.0');
  const pkgId = (pky.deps.sqlite.prepare(`SELECT id FROM packages WHERE name = 'acme/lib'`).get() as { id: number }).id;
  const job = await runOrWait(pky.deps.queue, pky.deps.runner, requestUpdate(pky.deps.queue, pkgId, 'test').job.id, 120_000);
  t.equal(job.status, 'done', job.error ?? '');
  const file = join(work, 'backup.tar.gz');
  const b = await pky.cli(['backup', file]);
  t.equal(b.code, 0, b.stderr);
  t.equal(statSync(file).mode & 0o777, 0o600, 'the backup archive is private');

  const dataDir = join(pky.dir, 'data');
  t.ok(readdirSync(join(dataDir, 'dists')).length > 0, 'dists exist');
  t.ok(readdirSync(join(dataDir, 'mirrors')).length > 0, 'mirrors exist');
  t.same(readableByOthers(dataDir), [], 'nothing in the data directory is readable by others');

  const dir2 = mkdtempSync(join(tmpdir(), 'pky-modes-restore-'));
  t.teardown(() => removeDir(dir2));
  writeFileSync(join(dir2, 'packyard.yaml'), `data_dir: "${join(dir2, 'data')}"\nvcs:\n  allow_local_paths: true\n`);
  process.umask(0o022);
  const r = await runCli(join(dir2, 'packyard.yaml'), ['restore', file]);
  t.equal(r.code, 0, r.stderr);
  t.same(readableByOthers(join(dir2, 'data')), [], 'nothing restored is readable by others');
});

t.test("an older install's readable files are made private when the server starts", async (t) => {
  const before = process.umask(0o022);
  t.teardown(() => process.umask(before));
  const dir = mkdtempSync(join(tmpdir(), 'pky-modes-old-'));
  t.teardown(() => removeDir(dir));
  const data = join(dir, 'data');
  mkdirSync(join(data, 'dists', '1'), { recursive: true, mode: 0o755 });
  mkdirSync(join(data, 'mirrors', '1.git', 'objects'), { recursive: true, mode: 0o755 });
  writeFileSync(join(data, 'dists', '1', 'abc.zip'), 'zip', { mode: 0o644 });
  writeFileSync(join(data, 'mirrors', '1.git', 'HEAD'), 'ref: refs/heads/main\n', { mode: 0o644 });
  writeFileSync(join(data, 'secret.key'), 'k'.repeat(43), { mode: 0o644 });
  chmodSync(data, 0o755);
  t.ok(readableByOthers(data).length > 0, 'the old install is readable by others');
  await startPackyard(t, { reuseDir: dir });
  t.same(readableByOthers(data), [], 'all of it is private after the server started');
});
