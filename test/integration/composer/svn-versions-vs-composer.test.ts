// Differential test for svn: the versions Packyard publishes for a fixture Subversion repository
// (standard layout) equal what the real composer derives from the same repository used directly
// as a `vcs` repository; composer then installs a tag and a branch from Packyard's dist zips.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPackyard } from '../../helpers/packyard.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { makeSvnRepo } from '../../helpers/svn-servers.js';
import { composerProject, parseShowVersions, writeAuth } from '../../helpers/composer.js';

const NAME = 'acme/svnwidget';
const json = (extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ name: NAME, description: 'An svn widget', license: 'MIT', require: { php: '>=7.4' }, ...extra }, null, 2)}\n`;

t.test('published svn versions equal composer show --all on the repository itself', async (t) => {
  const work = await makeTempDir('pky-svn-versions-');
  t.teardown(() => removeDir(work));
  const repo = await makeSvnRepo(join(work, 'repos', 'widget'), {
    steps: [
      { trunk: { 'composer.json': json(), 'src/Widget.php': '<?php // 1.0\n' } },
      { tag: '1.0.0' },
      // Normalizes to the same version as 1.0.0: composer keeps the first in listing order.
      { tag: 'v1.0.0', files: { 'src/Widget.php': '<?php // v1.0.0 duplicate\n' } },
      { trunk: { 'src/Widget.php': '<?php // 1.1\n' } },
      { tag: '1.1.0' },
      { tag: '1.2.0-beta1' },
      { tag: '2.0.0', files: { 'composer.json': null } },
      { tag: '3.0.0', files: { 'composer.json': '{"name": "acme/svnwidget",' } },
      { tag: 'not-a-version' },
      { branch: 'feature-x', files: { 'src/Feature.php': '<?php // feature\n' } },
      { branch: '1.x' },
      { trunk: { 'composer.json': json({ description: 'An svn widget (trunk)' }), 'src/Widget.php': '<?php // trunk\n' } },
    ],
  });

  // The oracle: composer reading the repository directly.
  const direct = composerProject({ name: 'dev/direct', repositories: [{ type: 'vcs', url: repo.url }], 'minimum-stability': 'dev' });
  t.teardown(() => direct.cleanup());
  // The oracle and Packyard's import of the same repository are independent: run them at once.
  const packyard = (async () => {
    const pky = await startPackyard(t);
    for (const args of [['org', 'create', 'acme'], ['package', 'add', '--org', 'acme', '--type', 'svn', repo.url]]) {
      const r = await pky.cli(args);
      t.equal(r.code, 0, r.stderr);
    }
    const token = (await pky.cli(['token', 'create', '--org', 'acme'])).stdout.trim();
    return { pky, token };
  })();
  const [d, { pky, token }] = await Promise.all([direct.run(['show', '--all', NAME, '-vvv']), packyard]);
  t.equal(d.code, 0, d.stderr);
  const expected = parseShowVersions(d.stdout).map((v) => (v.startsWith('dev-') ? v.replaceAll('#', '+') : v));
  t.ok(expected.length >= 6, `composer found ${expected.length} versions: ${expected.join(', ')}`);

  const via = composerProject({ name: 'dev/via', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }], 'minimum-stability': 'dev' });
  t.teardown(() => via.cleanup());
  writeAuth(via, new URL(pky.url).host, token);
  const v = await via.run(['show', '--all', NAME]);
  t.equal(v.code, 0, v.stderr);
  t.same([...parseShowVersions(v.stdout)].sort(), [...expected].sort(), 'same versions as composer derives itself');

  const pick = (s: string) =>
    s
      .split('\n')
      .filter((l) => /^(name|descrip\.|type|license|requires|source)\b|^php /.test(l))
      .map((l) => l.replace(/\s+/g, ' '))
      .join('\n');
  for (const version of ['1.1.0', 'dev-trunk']) {
    const [a, b] = await Promise.all([direct.run(['show', '--all', NAME, version]), via.run(['show', '--all', NAME, version])]);
    t.equal(pick(b.stdout), pick(a.stdout), `${version}: same name, description, license, requires and source`);
  }

  const show = await pky.cli(['package', 'show', '--org', 'acme', NAME, '--json']);
  t.equal(show.code, 0, show.stderr);
  const parsed = JSON.parse(show.stdout) as { skipped: { name: string; reason: string }[] };
  const skipped = Object.fromEntries(parsed.skipped.map((s) => [s.name, s.reason]));
  t.match(skipped, { '2.0.0': /no composer\.json/, '3.0.0': /not valid JSON/, 'not-a-version': /invalid|version/i, 'v1.0.0': /.+/ });

  t.test('composer installs a tag and a branch from the dist zips', async (t) => {
    for (const [constraint, file, content] of [
      ['1.0.0', 'src/Widget.php', '<?php // 1.0\n'],
      ['dev-feature-x', 'src/Feature.php', '<?php // feature\n'],
      ['dev-trunk', 'src/Widget.php', '<?php // trunk\n'],
    ] as const) {
      const project = composerProject({
        name: 'dev/install',
        repositories: [{ type: 'composer', url: `${pky.url}/acme/` }],
        'minimum-stability': 'dev',
      });
      t.teardown(() => project.cleanup());
      writeAuth(project, new URL(pky.url).host, token);
      const r = await project.run(['require', `${NAME}:${constraint}`, '--prefer-dist', '--no-progress']);
      t.equal(r.code, 0, r.stderr);
      const installed = join(project.dir, 'vendor', NAME, file);
      t.ok(existsSync(installed), `${constraint}: ${file} installed`);
      if (existsSync(installed)) t.equal(readFileSync(installed, 'utf8'), content, `${constraint}: ${file} content`);
      t.notOk(existsSync(join(project.dir, 'vendor', NAME, '.svn')), 'from a dist, not a checkout');
      t.match(r.stderr, /Downloading|Installing/);
    }
  });
});

t.test('a custom layout through package add --trunk-path/--branches-path/--tags-path/--package-path equals composer with the same options', async (t) => {
  const work = await makeTempDir('pky-svn-layout-');
  t.teardown(() => removeDir(work));
  const name = 'acme/custom-layout';
  const manifest = (description: string) => `${JSON.stringify({ name, description }, null, 2)}\n`;
  const repo = await makeSvnRepo(join(work, 'repos', 'custom'), {
    trunkPath: 'Main',
    branchesPath: 'Lines',
    tagsPath: 'Releases',
    packagePath: 'php/pkg',
    steps: [
      { trunk: { 'composer.json': manifest('one'), 'Lib.php': '<?php // 1\n' } },
      { tag: 'v1.0.0' },
      { trunk: { 'composer.json': manifest('two') } },
      { tag: '1.1.0' },
      { branch: 'feature-y' },
    ],
  });
  const layout = { 'trunk-path': 'Main', 'branches-path': 'Lines', 'tags-path': 'Releases', 'package-path': 'php/pkg' };
  const direct = composerProject({ name: 'dev/direct', repositories: [{ type: 'vcs', url: repo.url, ...layout }], 'minimum-stability': 'dev' });
  t.teardown(() => direct.cleanup());
  const d = await direct.run(['show', '--all', name]);
  t.equal(d.code, 0, d.stderr);
  const expected = parseShowVersions(d.stdout);
  // composer calls the trunk branch "trunk" whatever its path.
  t.same([...expected].sort(), ['1.1.0', 'dev-trunk', 'dev-feature-y', 'v1.0.0'].sort(), `composer: ${expected.join(', ')}`);

  const pky = await startPackyard(t);
  t.equal((await pky.cli(['org', 'create', 'acme'])).code, 0);
  const add = await pky.cli(['package', 'add', '--org', 'acme', '--type', 'svn', repo.url,
    '--trunk-path', 'Main', '--branches-path', 'Lines', '--tags-path', 'Releases', '--package-path', 'php/pkg']);
  t.equal(add.code, 0, add.stderr);
  const token = (await pky.cli(['token', 'create', '--org', 'acme'])).stdout.trim();
  const via = composerProject({ name: 'dev/via', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }], 'minimum-stability': 'dev' });
  t.teardown(() => via.cleanup());
  writeAuth(via, new URL(pky.url).host, token);
  const v = await via.run(['show', '--all', name]);
  t.equal(v.code, 0, v.stderr);
  t.same([...parseShowVersions(v.stdout)].sort(), [...expected].sort(), 'same versions as composer with the same layout options');
  const r = await via.run(['require', `${name}:v1.0.0`]);
  t.equal(r.code, 0, r.stderr);
  t.equal(readFileSync(join(via.dir, 'vendor', 'acme', 'custom-layout', 'Lib.php'), 'utf8'), '<?php // 1\n', 'the dist holds the package path only');

  const bad = await pky.cli(['package', 'add', '--org', 'acme', '--type', 'git', `${repo.url}/x`, '--trunk-path', 'Main']);
  t.not(bad.code, 0);
  t.match(bad.stderr, /trunk-path apply to svn repositories only/);
});
