// Differential test: the versions Packyard publishes for a fixture repository equal what the
// real composer derives from the same repository used directly as a `vcs` repository.
import t from 'tap';
import { join } from 'node:path';
import { startPackyard } from '../../helpers/packyard.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { buildVersionFixture } from '../../helpers/fixture-repos.js';
import { composerProject, parseShowVersions, writeAuth } from '../../helpers/composer.js';

t.test('published versions equal composer show --all on the repository itself', async (t) => {
  const work = await makeTempDir('pky-versions-');
  t.teardown(() => removeDir(work));
  const { repo, name } = await buildVersionFixture(join(work, 'src'));
  const bare = await repo.publishBare(join(work, 'widget.git'), 'main');

  // The oracle: composer reading the repository directly.
  const direct = composerProject({ name: 'dev/direct', repositories: [{ type: 'vcs', url: bare }], 'minimum-stability': 'dev' });
  t.teardown(() => direct.cleanup());
  const d = await direct.run(['show', '--all', name, '-vvv']);
  t.equal(d.code, 0, d.stderr);
  // Debian's composer 2.5.5 keeps '#' in branch versions; composer 2.10 (which we build for,
  // DESIGN.md section 3) publishes it as '+' (VcsRepository, reference/composer.md 1.7).
  const expected = parseShowVersions(d.stdout).map((v) => (v.startsWith('dev-') ? v.replaceAll('#', '+') : v));
  t.ok(expected.length >= 8, `composer found ${expected.length} versions: ${expected.join(', ')}`);

  // Packyard: the real CLI imports it; composer reads it through the composer repository.
  const pky = await startPackyard(t);
  for (const args of [['org', 'create', 'acme'], ['package', 'add', '--org', 'acme', bare]]) {
    const r = await pky.cli(args);
    t.equal(r.code, 0, r.stderr);
  }
  const token = (await pky.cli(['token', 'create', '--org', 'acme'])).stdout.trim();
  const via = composerProject({ name: 'dev/via', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }], 'minimum-stability': 'dev' });
  t.teardown(() => via.cleanup());
  writeAuth(via, new URL(pky.url).host, token);
  const v = await via.run(['show', '--all', name]);
  t.equal(v.code, 0, v.stderr);
  const got = parseShowVersions(v.stdout);
  t.same([...got].sort(), [...expected].sort(), 'same versions as composer derives itself');

  // The same package name and details for one version.
  const detailDirect = await direct.run(['show', '--all', name, 'v1.1.0']);
  const detailVia = await via.run(['show', '--all', name, 'v1.1.0']);
  const pick = (s: string) => s.split('\n').filter((l) => /^(name|descrip\.|type|license|requires)\b|^(php|psr\/log) /.test(l)).join('\n');
  t.equal(pick(detailVia.stdout), pick(detailDirect.stdout), 'same name, description, type, license and requires');

  // Every skipped ref has a reason on record.
  const show = await pky.cli(['package', 'show', '--org', 'acme', name, '--json']);
  const parsed = JSON.parse(show.stdout) as { versions: { version: string }[]; skipped: { name: string; reason: string }[] };
  const skipped = Object.fromEntries(parsed.skipped.map((s) => [s.name, s.reason]));
  t.match(skipped, {
    'not-a-version': /invalid|version/i,
    'v1.4.0': /not valid JSON/,
    'v1.5.0': /no composer\.json/,
    'v1.6.0': /does not match/,
    '1.2.0-dev': /dev/,
    'v1.8.0': /constraint/,
    'no-composer': /no composer\.json/,
  });
  t.ok(skipped['v1.0.0'] ?? skipped['1.0.0'], 'one of the duplicate tags is skipped');
});
