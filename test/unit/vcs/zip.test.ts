// Deterministic zips for svn dists (yazl): readable by unzip and PHP's ZipArchive (composer's
// extractor), same bytes for the same tree, modes and symlinks kept, small files stored.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile, chmod, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { zipDirectory } from '../../../src/vcs/zip.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';

t.test('a tree: unzip -t, PHP ZipArchive, sorted entries, modes, symlinks, fixed dates', async (t) => {
  const dir = await makeTempDir('packyard-zip-');
  t.teardown(() => removeDir(dir));
  const tree = join(dir, 'tree');
  await mkdir(join(tree, 'src', 'empty'), { recursive: true });
  await writeFile(join(tree, 'composer.json'), '{"name":"a/b"}\n');
  await writeFile(join(tree, 'src', 'Big.php'), `<?php\n${'// compressible line\n'.repeat(500)}`);
  await writeFile(join(tree, 'bin'), '#!/bin/sh\n');
  await chmod(join(tree, 'bin'), 0o755);
  await writeFile(join(tree, 'ünïcode.txt'), 'x');
  await symlink('composer.json', join(tree, 'link.json'));
  const a = join(dir, 'a.zip');
  const b = join(dir, 'b.zip');
  await zipDirectory(tree, a);
  await utimes(join(tree, 'composer.json'), new Date(0), new Date(0));
  await zipDirectory(tree, b);
  t.same(await readFile(a), await readFile(b), 'mtimes do not matter: same bytes');
  t.match(execFileSync('unzip', ['-t', a], { encoding: 'utf8' }), /No errors detected/);
  t.same(execFileSync('zipinfo', ['-1', a], { encoding: 'utf8' }).trim().split('\n'), [
    'bin',
    'composer.json',
    'link.json',
    'src/',
    'src/Big.php',
    'src/empty/',
    'ünïcode.txt',
  ]);
  const info = execFileSync('zipinfo', [a], { encoding: 'utf8' });
  t.match(info, /-rwxr-xr-x .* bin\n/);
  t.match(info, /lrwxrwxrwx .* link\.json\n/);
  t.match(info, /80-Jan-01 00:00/);
  t.match(info, /defN .* src\/Big\.php/, 'deflated when smaller');
  t.match(info, /stor .* composer\.json/, 'small files stored');
  const out = join(dir, 'php-out');
  execFileSync('php', ['-r', '$z = new ZipArchive(); if ($z->open($argv[1]) !== true) exit(3); if (!$z->extractTo($argv[2])) exit(4);', a, out]);
  t.equal(await readFile(join(out, 'src', 'Big.php'), 'utf8'), await readFile(join(tree, 'src', 'Big.php'), 'utf8'));
  t.equal(await readFile(join(out, 'ünïcode.txt'), 'utf8'), 'x');
});

t.test('an empty tree is a valid, empty zip', async (t) => {
  const dir = await makeTempDir('packyard-zip-');
  t.teardown(() => removeDir(dir));
  await mkdir(join(dir, 'empty'));
  await zipDirectory(join(dir, 'empty'), join(dir, 'e.zip'));
  const bytes = await readFile(join(dir, 'e.zip'));
  t.equal(bytes.length, 22);
  t.equal(bytes.readUInt32LE(0), 0x06054b50);
});
