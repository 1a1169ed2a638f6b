// End to end, as an admin and a PHP developer would do it: the real CLI adds private git
// repositories (smart HTTP with basic auth, and SSH with a key and a pinned host key) to a
// running Packyard, creates a token, and Debian's real composer installs from it.
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPackyard } from '../helpers/packyard.js';
import { createGitRepo, makeTempDir, removeDir } from '../helpers/git-repo.js';
import { startGitHttpServer } from '../helpers/git-http-server.js';
import { startSshd } from '../helpers/sshd.js';
import { composerProject, writeAuth } from '../helpers/composer.js';

const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;

t.test('composer installs private packages through Packyard', async (t) => {
  const work = await makeTempDir('pky-e2e-');
  t.teardown(() => removeDir(work));

  // Two private repositories: acme/foo over smart HTTP (basic auth), acme/bar over SSH; bar requires foo.
  const foo = await createGitRepo(join(work, 'src-foo'), { defaultBranch: 'main' });
  await foo.commit({ 'composer.json': json({ name: 'acme/foo', type: 'library', autoload: { 'psr-4': { 'Acme\\Foo\\': 'src/' } } }), 'src/Foo.php': '<?php\nnamespace Acme\\Foo;\nclass Foo { const VERSION = "1.0"; }\n', '.gitattributes': 'tests export-ignore\n', 'tests/FooTest.php': '<?php\n' }, 'foo 1.0');
  await foo.tag('v1.0.0', { annotated: true });
  await foo.branch('feature-x');
  await foo.checkout('feature-x');
  await foo.commit({ 'src/Feature.php': '<?php\n' }, 'feature');
  await foo.checkout('main');
  await foo.publishBare(join(work, 'http', 'foo.git'), 'main');

  const bar = await createGitRepo(join(work, 'src-bar'), { defaultBranch: 'main' });
  await bar.commit({ 'composer.json': json({ name: 'acme/bar', require: { 'acme/foo': '^1.0' } }), 'bar.txt': 'bar\n' }, 'bar 2.0');
  await bar.tag('2.0.0');
  const barBare = await bar.publishBare(join(work, 'ssh', 'bar.git'), 'main');

  const http = await startGitHttpServer({ root: join(work, 'http'), username: 'ci-bot', password: 's3cret-pass' });
  t.teardown(() => http.close());
  const sshd = await startSshd();
  t.teardown(() => sshd.close());

  const pky = await startPackyard(t);
  const ok = async (args: string[], stdin?: string) => {
    const r = await pky.cli(args, stdin !== undefined ? { stdin } : {});
    t.equal(r.code, 0, `packyard ${args.join(' ')}: ${r.stderr.trim()}`);
    return r;
  };
  await ok(['org', 'create', 'acme']);
  await ok(['org', 'create', 'other']);
  await ok(['credential', 'add', '--org', 'acme', 'git-http', '--type', 'http-basic', '--username', 'ci-bot', '--password-stdin'], 's3cret-pass\n');
  const keyFile = join(work, 'id_ed25519');
  const knownHosts = join(work, 'known_hosts');
  writeFileSync(keyFile, sshd.clientKey, { mode: 0o600 });
  writeFileSync(knownHosts, `${sshd.hostKeyLine}\n`);
  await ok(['credential', 'add', '--org', 'acme', 'deploy-key', '--type', 'ssh-key', '--private-key-file', keyFile, '--known-hosts', knownHosts]);
  const addFoo = await ok(['package', 'add', '--org', 'acme', http.url('foo.git'), '--credential', 'git-http']);
  t.match(addFoo.stdout, /acme\/foo: added 3 \(v1\.0\.0, dev-feature-x, dev-main\)/);
  await ok(['package', 'add', '--org', 'acme', sshd.url(barBare), '--credential', 'deploy-key']);

  // Another organization's package that acme's token must not see.
  const secret = await createGitRepo(join(work, 'src-secret'), { defaultBranch: 'main' });
  await secret.commit({ 'composer.json': json({ name: 'other/secret' }) }, 'secret');
  await secret.tag('1.0.0');
  await ok(['package', 'add', '--org', 'other', secret.dir]);

  const token = (await ok(['token', 'create', '--org', 'acme', '--name', 'ci'])).stdout.trim();
  t.match(token, /^pky_o_[0-9A-Za-z]{38}$/);
  t.notMatch(readFileSync(join(pky.dir, 'data', 'packyard.db')).toString('latin1'), /s3cret-pass/, 'password not stored in clear');

  const hostPort = new URL(pky.url).host;
  const project = composerProject({ name: 'dev/app', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }], 'minimum-stability': 'stable' });
  t.teardown(() => project.cleanup());

  await t.test('401 without a token: non-interactive exit and message', async (t) => {
    const r = await project.run(['require', 'acme/bar:^2.0']);
    t.not(r.code, 0);
    t.match(r.stderr + r.stdout, /required authentication \(HTTP 401\)|401/);
  });

  writeAuth(project, hostPort, token);

  await t.test('require a tagged version that requires another private package', async (t) => {
    const r = await project.run(['require', 'acme/bar:^2.0']);
    t.equal(r.code, 0, r.stderr);
    t.ok(existsSync(join(project.dir, 'vendor', 'acme', 'bar', 'bar.txt')));
    t.ok(existsSync(join(project.dir, 'vendor', 'acme', 'foo', 'src', 'Foo.php')));
    t.notOk(existsSync(join(project.dir, 'vendor', 'acme', 'foo', 'tests')), 'export-ignore honoured in the dist');
    const lock = JSON.parse(readFileSync(join(project.dir, 'composer.lock'), 'utf8')) as { packages: { name: string; version: string; dist: { url: string } }[] };
    const fooLock = lock.packages.find((p) => p.name === 'acme/foo');
    t.equal(fooLock?.version, 'v1.0.0');
    t.match(fooLock?.dist.url, new RegExp(`^${pky.url}/acme/dists/acme/foo/[0-9a-f]{40}\\.zip$`));
  });

  await t.test('require a dev- branch', async (t) => {
    const r = await project.run(['require', 'acme/foo:dev-feature-x as 1.0.1', '--with-all-dependencies']);
    t.equal(r.code, 0, r.stderr);
    t.ok(existsSync(join(project.dir, 'vendor', 'acme', 'foo', 'src', 'Feature.php')));
  });

  await t.test('404 for another organization\'s package', async (t) => {
    const r = await project.run(['require', 'other/secret:^1.0']);
    t.not(r.code, 0);
    t.match(r.stderr, /could not be found/);
    const res = await fetch(`${pky.url}/other/p2/other/secret.json`, { headers: { authorization: `Bearer ${token}` } });
    t.equal(res.status, 404);
  });

  await t.test('a new tag appears after an update; the next update revalidates with 304s', async (t) => {
    await foo.checkout('main');
    await foo.commit({ 'src/Foo.php': '<?php\nnamespace Acme\\Foo;\nclass Foo { const VERSION = "1.1"; }\n' }, 'foo 1.1');
    await foo.tag('v1.1.0');
    await foo.publishBare(join(work, 'http', 'foo.git'), 'main');
    const up = await ok(['package', 'update', '--org', 'acme', 'acme/foo']);
    t.match(up.stdout, /added 1 \(v1\.1\.0\)/);
    const r1 = await project.run(['require', 'acme/foo:^1.1']);
    t.equal(r1.code, 0, r1.stderr);
    t.match(readFileSync(join(project.dir, 'vendor', 'acme', 'foo', 'src', 'Foo.php'), 'utf8'), /1\.1/);
    const r2 = await project.run(['update', '-vvv']);
    t.equal(r2.code, 0, r2.stderr);
    const log = r2.stdout + r2.stderr;
    t.match(log, /\[304\] http:\/\/127\.0\.0\.1:\d+\/acme\/packages\.json/, 'packages.json revalidated with a 304');
    t.match(log, /\[304\] http:\/\/127\.0\.0\.1:\d+\/acme\/p2\/acme\/foo\.json/, 'p2 revalidated with a 304');
  });
});
