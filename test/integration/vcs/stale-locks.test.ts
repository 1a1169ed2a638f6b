// A re-run after a killed update: lock files the killed git (or hg) left in the mirror do not
// break the next update of the same repository.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGitDriver } from '../../../src/vcs/git.js';
import { createHgDriver } from '../../../src/vcs/hg.js';
import { createGitRepo, makeTempDir, removeDir } from '../../helpers/git-repo.js';

t.test('git: leftover index.lock, packed-refs.lock, shallow.lock and ref locks', async (t) => {
  const work = await makeTempDir('pky-stale-git-');
  t.teardown(() => removeDir(work));
  const repo = await createGitRepo(join(work, 'src'), { defaultBranch: 'main' });
  await repo.commit({ 'composer.json': '{"name":"acme/a"}\n' }, 'one');
  await repo.tag('v1.0.0');
  const mirrorDir = join(work, 'mirror.git');
  const options = { url: repo.dir, mirrorDir, tmpDir: join(work, 'tmp'), timeoutMs: 30_000 };
  const first = createGitDriver(options);
  await first.listRemote();
  await first.syncMirror();
  // What a git killed mid-fetch leaves behind.
  for (const f of ['index.lock', 'packed-refs.lock', 'shallow.lock', 'HEAD.lock', join('refs', 'heads', 'main.lock'), join('refs', 'tags', 'v2.0.0.lock')]) {
    writeFileSync(join(mirrorDir, f), '');
  }
  await repo.commit({ 'composer.json': '{"name":"acme/a","description":"two"}\n' }, 'two');
  await repo.tag('v2.0.0');
  await repo.deleteTag('v1.0.0');
  const again = createGitDriver(options);
  const state = await again.listRemote();
  await again.syncMirror();
  const head = state.refs.find((r) => r.name === 'main')!.commit;
  const files = await again.readFiles([{ commit: head, path: 'composer.json' }]);
  t.match(files.get(`${head}:composer.json`)?.toString(), /two/, 'the update went through');
  const refs = execFileSync('git', [`--git-dir=${mirrorDir}`, 'for-each-ref', '--format=%(refname)']).toString().trim().split('\n');
  t.same(refs.sort(), ['refs/heads/main', 'refs/tags/v2.0.0'], 'refs updated and pruned');
});

t.test('hg: leftover wlock and store lock of a process on another host', async (t) => {
  const work = await makeTempDir('pky-stale-hg-');
  t.teardown(() => removeDir(work));
  const src = join(work, 'src');
  mkdirSync(src);
  const hg = (...args: string[]) => execFileSync('hg', ['--config', 'ui.username=t <t@example.com>', ...args], { cwd: src, env: { PATH: process.env.PATH ?? '', HGPLAIN: '1', HGRCPATH: '' } });
  hg('init');
  writeFileSync(join(src, 'composer.json'), '{"name":"acme/h"}\n');
  hg('add', 'composer.json');
  hg('commit', '-m', 'one');
  const options = { url: src, mirrorDir: join(work, 'mirror'), tmpDir: join(work, 'tmp'), timeoutMs: 20_000 };
  await createHgDriver(options).listRemote();
  symlinkSync('old-container:1', join(work, 'mirror', '.hg', 'wlock'));
  symlinkSync('old-container:1', join(work, 'mirror', '.hg', 'store', 'lock'));
  writeFileSync(join(src, 'composer.json'), '{"name":"acme/h","description":"two"}\n');
  hg('commit', '-m', 'two');
  const state = await createHgDriver(options).listRemote();
  t.equal(state.refs.find((r) => r.name === 'default')?.commit, hg('log', '-r', '.', '-T', '{node}').toString(), 'pulled despite the stale locks');
});
