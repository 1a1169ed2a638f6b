// readFiles under a size limit (limits.composer_json_bytes), hg and svn: a file over the limit is
// not returned and its size is reported; smaller files read as before. (git: jobs/package-limits.)
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHgDriver } from '../../../src/vcs/hg.js';
import { createSvnDriver } from '../../../src/vcs/svn.js';
import { fileKey } from '../../../src/vcs/types.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { makeSvnRepo } from '../../helpers/svn-servers.js';

const small = '{"name":"acme/a"}\n';
const big = `{"name":"acme/a","extra":{"blob":"${'q'.repeat(5000)}"}}\n`;

t.test('hg: an oversized file is sized, not read', async (t) => {
  const root = await makeTempDir('pky-hg-limit-');
  t.teardown(() => removeDir(root));
  const src = join(root, 'src');
  mkdirSync(src);
  const hg = (...args: string[]) => execFileSync('hg', ['--config', 'ui.username=t <t@example.com>', ...args], { cwd: src, env: { PATH: process.env.PATH ?? '', HGPLAIN: '1', HGRCPATH: '' } }).toString().trim();
  hg('init');
  writeFileSync(join(src, 'composer.json'), small);
  hg('add', 'composer.json');
  hg('commit', '-m', 'small');
  const a = hg('log', '-r', '.', '-T', '{node}');
  writeFileSync(join(src, 'composer.json'), big);
  hg('commit', '-m', 'big');
  const b = hg('log', '-r', '.', '-T', '{node}');
  const driver = createHgDriver({ url: src, mirrorDir: join(root, 'mirror'), tmpDir: join(root, 'tmp'), timeoutMs: 30_000 });
  await driver.listRemote();
  await driver.syncMirror();
  const oversized = new Map<string, number>();
  const files = await driver.readFiles(
    [{ commit: a, path: 'composer.json' }, { commit: b, path: 'composer.json' }, { commit: a, path: 'missing.json' }],
    { maxBytes: 1024, oversized },
  );
  t.equal(files.get(fileKey(a, 'composer.json'))?.toString(), small);
  t.equal(files.get(fileKey(b, 'composer.json')), null);
  t.equal(files.get(fileKey(a, 'missing.json')), null);
  t.same([...oversized], [[fileKey(b, 'composer.json'), big.length]]);
});

t.test('svn: an oversized file is sized (svn ls), not read', async (t) => {
  const root = await makeTempDir('pky-svn-limit-');
  t.teardown(() => removeDir(root));
  const repo = await makeSvnRepo(join(root, 'repo'), {
    steps: [{ trunk: { 'composer.json': small } }, { tag: '1.0.0' }, { trunk: { 'composer.json': big } }],
  });
  const driver = createSvnDriver({ url: repo.url, mirrorDir: join(root, 'mirror'), tmpDir: join(root, 'tmp'), timeoutMs: 30_000 });
  const state = await driver.listRemote();
  const trunk = state.refs.find((r) => r.name === 'trunk')!.commit;
  const tag = state.refs.find((r) => r.name === '1.0.0')!.commit;
  const oversized = new Map<string, number>();
  const files = await driver.readFiles([{ commit: trunk, path: 'composer.json' }, { commit: tag, path: 'composer.json' }], { maxBytes: 1024, oversized });
  t.equal(files.get(fileKey(tag, 'composer.json'))?.toString(), small);
  t.equal(files.get(fileKey(trunk, 'composer.json')), null);
  t.same([...oversized], [[fileKey(trunk, 'composer.json'), big.length]]);
});
