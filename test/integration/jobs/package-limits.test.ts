// What one package may cost (limits.* in the YAML, small here): a tag whose composer.json is over
// limits.composer_json_bytes is skipped with its size (never read, never cached, the p2 file
// stays small), refs past limits.refs_per_package are skipped in composer's order, and refs past
// limits.package_metadata_bytes of published composer.json are skipped; each with its reason.
import t from 'tap';
import { join } from 'node:path';
import { startPackyard } from '../../helpers/packyard.js';
import { createGitRepo, makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { createGitDriver } from '../../../src/vcs/git.js';

const json = (o: unknown) => `${JSON.stringify(o)}\n`;

t.test('composer.json size, refs and metadata limits skip refs with their reasons', async (t) => {
  const work = await makeTempDir('pky-limits-');
  t.teardown(() => removeDir(work));
  const repo = await createGitRepo(join(work, 'src'), { defaultBranch: 'main' });
  const small = json({ name: 'acme/big' });
  await repo.commit({ 'composer.json': small }, 'small');
  await repo.tag('v1.0.0');
  const huge = json({ name: 'acme/big', extra: { blob: 'x'.repeat(3 * 1024 * 1024) } });
  const hugeCommit = await repo.commit({ 'composer.json': huge }, 'huge');
  await repo.tag('v1.1.0');
  for (const v of ['v1.2.0', 'v1.3.0', 'v1.4.0']) {
    await repo.commit({ 'composer.json': json({ name: 'acme/big', description: v, extra: { pad: 'y'.repeat(30_000) } }) }, v);
    await repo.tag(v);
  }
  await repo.commit({ 'composer.json': small }, 'small again');
  for (let i = 0; i < 8; i++) await repo.tag(`v2.${i}.0`);

  const pky = await startPackyard(t, {
    listen: false,
    yaml: ['limits:', '  composer_json_bytes: 40960', '  package_metadata_bytes: 65536', '  refs_per_package: 10'].join('\n'),
  });
  for (const args of [['org', 'create', 'acme'], ['package', 'add', '--org', 'acme', repo.dir]]) {
    const r = await pky.cli(args);
    t.equal(r.code, 0, r.stderr);
  }
  const show = await pky.cli(['package', 'show', '--org', 'acme', 'acme/big', '--json']);
  t.equal(show.code, 0, show.stderr);
  const d = JSON.parse(show.stdout) as { versions: Array<{ version: string }>; skipped: Array<{ name: string; reason: string }> };
  const reasons = Object.fromEntries(d.skipped.map((s) => [s.name, s.reason]));
  t.same(reasons, {
    'v1.1.0': 'composer.json is 3.0 MiB, over limits.composer_json_bytes (40 KiB)',
    'v1.4.0': "the package's published composer.json files would exceed limits.package_metadata_bytes (64 KiB)",
    'v2.4.0': 'past limits.refs_per_package (10 refs are read per package)',
    'v2.5.0': 'past limits.refs_per_package (10 refs are read per package)',
    'v2.6.0': 'past limits.refs_per_package (10 refs are read per package)',
    'v2.7.0': 'past limits.refs_per_package (10 refs are read per package)',
  });
  t.same(d.versions.map((v) => v.version).sort(), ['dev-main', 'v1.0.0', 'v1.2.0', 'v1.3.0', 'v2.0.0', 'v2.1.0', 'v2.2.0', 'v2.3.0'].sort());
  const human = await pky.cli(['package', 'show', '--org', 'acme', 'acme/big']);
  t.match(human.stdout, /tag v1\.1\.0: composer\.json is 3\.0 MiB, over limits\.composer_json_bytes \(40 KiB\)/, 'package show prints the reason');

  const db = pky.deps.sqlite;
  const cached = db.prepare(`SELECT COUNT(*) AS n, MAX(LENGTH(content)) AS biggest FROM manifest_cache WHERE "commit" = ?`).get(hugeCommit) as { n: number };
  t.equal(cached.n, 0, 'the oversized composer.json is not in the manifest cache');
  const p2 = db.prepare(`SELECT MAX(LENGTH(json)) AS n FROM metadata_files`).get() as { n: number };
  t.ok(p2.n < 100_000, `the p2 files stay small (${p2.n} bytes)`);

  // An update with nothing new keeps the same result (the oversized tag is checked, not read).
  const again = await pky.cli(['package', 'update', '--org', 'acme', 'acme/big']);
  t.equal(again.code, 0, again.stderr);
});

t.test('the git driver learns the size of an oversized file without reading it', async (t) => {
  const work = await makeTempDir('pky-limits-git-');
  t.teardown(() => removeDir(work));
  const repo = await createGitRepo(join(work, 'src'), { defaultBranch: 'main' });
  const a = await repo.commit({ 'composer.json': json({ name: 'acme/a' }) }, 'small');
  const b = await repo.commit({ 'composer.json': json({ name: 'acme/a', extra: { blob: 'z'.repeat(5000) } }) }, 'big');
  const driver = createGitDriver({ url: repo.dir, mirrorDir: join(work, 'mirror.git'), tmpDir: join(work, 'tmp'), timeoutMs: 30_000 });
  await driver.listRemote();
  await driver.syncMirror();
  const oversized = new Map<string, number>();
  const files = await driver.readFiles(
    [{ commit: a, path: 'composer.json' }, { commit: b, path: 'composer.json' }, { commit: a, path: 'missing.json' }],
    { maxBytes: 1024, oversized },
  );
  t.equal(files.get(`${a}:composer.json`)?.toString(), json({ name: 'acme/a' }));
  t.equal(files.get(`${b}:composer.json`), null, 'the oversized file is not returned');
  t.equal(files.get(`${a}:missing.json`), null);
  t.same([...oversized], [[`${b}:composer.json`, json({ name: 'acme/a', extra: { blob: 'z'.repeat(5000) } }).length]], 'its size is');
});
