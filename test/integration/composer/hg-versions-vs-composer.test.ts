// Differential test for hg: the versions Packyard publishes for a fixture hg repository (served
// by native `hg serve`) equal what the real composer derives reading the same repository directly
// as a `vcs` repository; tagged and dev versions install through Packyard from its dist zips.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPackyard } from '../../helpers/packyard.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { startHgServe } from '../../helpers/hg-servers.js';
import { buildHgVersionFixture } from '../../helpers/hg-version-fixture.js';
import { composerProject, parseShowVersions, writeAuth } from '../../helpers/composer.js';

t.test('published hg versions equal composer show --all on the repository itself', async (t) => {
  const work = await makeTempDir('pky-hg-versions-');
  t.teardown(() => removeDir(work));
  const { repo, name } = await buildHgVersionFixture(join(work, 'widget-hg'));
  const server = await startHgServe(repo.dir);
  t.teardown(() => server.close());

  // The oracle: composer reading the repository directly (its HgDriver on the local path).
  const direct = composerProject({ name: 'dev/direct', repositories: [{ type: 'vcs', url: repo.dir }], 'minimum-stability': 'dev' });
  t.teardown(() => direct.cleanup());
  // The oracle and Packyard's import of the same repository are independent: run them at once.
  const packyard = (async () => {
    const pky = await startPackyard(t);
    for (const args of [['org', 'create', 'acme'], ['package', 'add', '--org', 'acme', '--type', 'hg', server.url]]) {
      const r = await pky.cli(args);
      t.equal(r.code, 0, r.stderr);
    }
    const token = (await pky.cli(['token', 'create', '--org', 'acme'])).stdout.trim();
    return { pky, token };
  })();
  const [d, { pky, token }] = await Promise.all([direct.run(['show', '--all', name, '-vvv']), packyard]);
  t.equal(d.code, 0, d.stderr);
  t.match(d.stderr, /HgDriver|hg (summary|tags)/i, 'composer used its HgDriver');
  const expected = parseShowVersions(d.stdout);
  t.ok(expected.length >= 8, `composer found ${expected.length} versions: ${expected.join(', ')}`);

  const via = composerProject({ name: 'dev/via', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }], 'minimum-stability': 'dev' });
  t.teardown(() => via.cleanup());
  writeAuth(via, new URL(pky.url).host, token);
  const v = await via.run(['show', '--all', name]);
  t.equal(v.code, 0, v.stderr);
  const got = parseShowVersions(v.stdout);
  t.same([...got].sort(), [...expected].sort(), `same versions as composer derives itself (composer: ${expected.join(', ')})`);

  const [detailDirect, detailVia] = await Promise.all([direct.run(['show', '--all', name, 'v1.1.0']), via.run(['show', '--all', name, 'v1.1.0'])]);
  const pick = (s: string) => s.split('\n').filter((l) => /^(name|descrip\.|type|license|requires)\b|^(php|psr\/log) /.test(l)).join('\n');
  t.equal(pick(detailVia.stdout), pick(detailDirect.stdout), 'same name, description, type, license and requires');
  t.match(detailVia.stdout, /^source\s*:\s*\[hg\] http:\/\/127\.0\.0\.1:\d+\/ [0-9a-f]{40}$/m, 'hg source with the full node');

  const show = await pky.cli(['package', 'show', '--org', 'acme', name, '--json']);
  const parsed = JSON.parse(show.stdout) as { skipped: { name: string; reason: string }[] };
  const skipped = Object.fromEntries(parsed.skipped.map((s) => [s.name, s.reason]));
  t.match(skipped, {
    'not-a-version': /invalid|version/i,
    'v1.4.0': /not valid JSON/,
    'v1.5.0': /no composer\.json/,
    'v1.6.0': /does not match/,
    '1.2.0-dev': /dev/,
    'no-composer': /no composer\.json/,
  });
  t.ok(skipped['1.0.0'], 'of the duplicate tags, 1.0.0 is skipped (hg lists v1.0.0 first)');

  t.test('composer require installs tagged and dev versions from Packyard dist zips', async (t) => {
    const project = composerProject({ name: 'dev/app', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }], 'minimum-stability': 'dev' });
    t.teardown(() => project.cleanup());
    writeAuth(project, new URL(pky.url).host, token);
    const tagged = await project.run(['require', `${name}:v1.7.0`, '--prefer-dist']);
    t.equal(tagged.code, 0, tagged.stderr);
    const pkgDir = join(project.dir, 'vendor', 'acme', 'widget');
    t.ok(existsSync(join(pkgDir, 'src', 'Widget.php')), 'package files installed');
    t.notOk(existsSync(join(pkgDir, '.hg_archival.txt')), 'no .hg_archival.txt');
    t.notOk(existsSync(join(pkgDir, '.hg')), 'not a clone');
    t.match(JSON.parse(readFileSync(join(pkgDir, 'composer.json'), 'utf8')), { version: '1.7.0' });
    t.equal(readFileSync(join(pkgDir, 'README.md'), 'utf8'), 'hello\n');
    const lock = JSON.parse(readFileSync(join(project.dir, 'composer.lock'), 'utf8')) as { packages: { dist: { type: string; url: string } }[] };
    t.match(lock.packages[0]?.dist, { type: 'zip', url: /\/acme\/dists\/acme\/widget\/[0-9a-f]{40}\.zip$/ });

    const dev = await project.run(['require', `${name}:dev-default`, '--prefer-dist']);
    t.equal(dev.code, 0, dev.stderr);
    t.match(JSON.parse(readFileSync(join(pkgDir, 'composer.json'), 'utf8')), { name: 'acme/widget', extra: { 'branch-alias': { 'dev-default': '3.0.x-dev' } } });
    t.notOk(existsSync(join(pkgDir, '.hg')), 'dev version from a dist zip too');
  });
});
