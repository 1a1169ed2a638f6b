// The hg driver over http: hgweb behind nginx with basic auth (the password only ever in a
// private 0600 hgrc, never in argv, the URL or the mirror), and the failures a user can meet.
import t, { type Test } from 'tap';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { AppError } from '../../../src/domain/errors.js';
import { createHgDriver } from '../../../src/vcs/hg.js';
import { fileKey, type DriverOptions, type VcsCredential } from '../../../src/vcs/types.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { startHgHttpAuth, startSilentServer } from '../../helpers/hg-servers.js';
import { buildHgPackageFixture } from './fixtures/hg-package-repo.js';
import { installHgSpy } from './fixtures/hg-spy.js';

const PASSWORD = 's3cret-Pa55word';
const TOKEN = 'tok-0123456789abcdef';

if (!existsSync('/usr/sbin/nginx')) {
  t.plan(0, 'needs nginx');
} else {
  const root = await makeTempDir('packyard-hg-http-');
  t.teardown(() => removeDir(root));
  const fx = await buildHgPackageFixture(root);
  const server = await startHgHttpAuth(fx.dir, { username: 'deploy', password: PASSWORD });
  t.teardown(() => server.close());
  const tokenServer = await startHgHttpAuth(fx.dir, { username: 'ci', password: TOKEN });
  t.teardown(() => tokenServer.close());
  const tmpDir = join(root, 'scratch');
  let mirrors = 0;
  const optsFor = (url: string, credential?: VcsCredential, extra: Partial<DriverOptions> = {}): DriverOptions => ({
    url,
    mirrorDir: join(root, 'mirrors', `m${++mirrors}.hg`),
    tmpDir,
    timeoutMs: 20_000,
    credential,
    credentialName: credential ? 'deploy-cred' : undefined,
    ...extra,
  });

  const rejectsWith = async (t: Test, promise: Promise<unknown>, code: string, message: RegExp): Promise<void> => {
    try {
      await promise;
      t.fail(`expected ${code}`);
    } catch (e) {
      t.ok(e instanceof AppError, 'an AppError');
      t.equal((e as AppError).code, code, (e as Error).message);
      t.match((e as Error).message, message);
      t.notMatch((e as Error).message, PASSWORD);
      t.notMatch((e as Error).message, TOKEN);
    }
  };

  t.test('http-basic: list, mirror, read; the password is never an argument nor in the mirror', async (t) => {
    const spyDir = await makeTempDir('packyard-hgspy-');
    t.teardown(() => removeDir(spyDir));
    const spy = await installHgSpy(spyDir);
    t.teardown(() => spy.restore());
    const opts = optsFor(server.url, { type: 'http-basic', username: 'deploy', password: PASSWORD });
    const driver = createHgDriver(opts);
    const state = await driver.listRemote();
    t.equal(state.defaultBranch, 'default');
    t.equal(state.refs.find((r) => r.name === 'v1.0.0')?.commit, fx.first);
    await driver.syncMirror();
    const second = createHgDriver({ ...opts });
    await second.listRemote();
    const files = await second.readFiles([{ commit: fx.first, path: 'composer.json' }]);
    t.equal(files.get(fileKey(fx.first, 'composer.json'))?.toString(), '{"name":"acme/widget"}\n');
    const calls = await spy.calls();
    t.ok(calls.length >= 3);
    t.notOk(calls.some((c) => c.args.join(' ').includes(PASSWORD)), 'no argv carries the password');
    t.ok(calls.filter((c) => c.args.includes(server.url)).every((c) => !c.args.join(' ').includes('deploy@')), 'no user in the URL');
    const grep = spawnSync('grep', ['-rlF', PASSWORD, opts.mirrorDir], { encoding: 'utf8' });
    t.equal(grep.status, 1, `the mirror holds no password ${grep.stdout}`);
  });

  t.test('token credential over http', async (t) => {
    const driver = createHgDriver(optsFor(tokenServer.url, { type: 'token', token: TOKEN, username: 'ci' }));
    const state = await driver.listRemote();
    t.equal(state.refs.length, 5);
    t.same(await readdir(tmpDir), [], 'the private hgrc is removed after each command');
  });

  t.test('wrong password: VCS_AUTH_FAILED naming URL and credential', async (t) => {
    await rejectsWith(
      t,
      createHgDriver(optsFor(server.url, { type: 'http-basic', username: 'deploy', password: 'wrong-password' })).listRemote(),
      'VCS_AUTH_FAILED',
      /^Authentication failed for http:\/\/127\.0\.0\.1:\d+\/ with credential "deploy-cred" http-basic \(user "deploy"\); check the user name and password\/token\.$/,
    );
  });

  t.test('no credential on a protected repository: says to add one', async (t) => {
    await rejectsWith(t, createHgDriver(optsFor(server.url)).listRemote(), 'VCS_AUTH_FAILED', /with credential none; the repository needs a credential/);
  });

  t.test('an ssh key on an http URL is refused', async (t) => {
    await t.rejects(createHgDriver(optsFor(server.url, { type: 'ssh-key', privateKey: 'x' })).listRemote(), { code: 'CREDENTIAL_INVALID' });
  });

  t.test('repository not found behind auth: VCS_NOT_FOUND', async (t) => {
    await rejectsWith(
      t,
      createHgDriver(optsFor(`${server.url}missing/repo`, { type: 'http-basic', username: 'deploy', password: PASSWORD })).listRemote(),
      'VCS_NOT_FOUND',
      /^Repository http:\/\/127\.0\.0\.1:\d+\/missing\/repo was not found \(or the credential "deploy-cred" http-basic \(user "deploy"\) may not read it\); check the URL\.$/,
    );
  });

  t.test('a server that never answers: VCS_TIMEOUT within the timeout', async (t) => {
    const silent = await startSilentServer();
    t.teardown(() => silent.close());
    const started = Date.now();
    await rejectsWith(
      t,
      createHgDriver(optsFor(silent.url, { type: 'http-basic', username: 'deploy', password: PASSWORD }, { timeoutMs: 1500 })).listRemote(),
      'VCS_TIMEOUT',
      /^The command hg clone for http:\/\/127\.0\.0\.1:\d+\/ did not finish within 1500 ms and was stopped/,
    );
    t.ok(Date.now() - started < 10_000, 'stopped promptly');
  });

  t.test('https with a self-signed certificate: VCS_TLS, then trusted with caFile', async (t) => {
    const tls = await startHgHttpAuth(fx.dir, { username: 'deploy', password: PASSWORD }, { tls: true });
    t.teardown(() => tls.close());
    const cred: VcsCredential = { type: 'http-basic', username: 'deploy', password: PASSWORD };
    await rejectsWith(
      t,
      createHgDriver(optsFor(tls.url, cred)).listRemote(),
      'VCS_TLS',
      /^The TLS certificate of https:\/\/127\.0\.0\.1:\d+\/ is not trusted \(.*\); give the credential the CA that signed it/,
    );
    const state = await createHgDriver(optsFor(tls.url, cred, { caFile: tls.caFile })).listRemote();
    t.equal(state.refs.find((r) => r.name === 'v1.0.0')?.commit, fx.first);
  });

  t.test('a user name or password hg cannot carry is refused', async (t) => {
    await rejectsWith(
      t,
      createHgDriver(optsFor(server.url, { type: 'http-basic', username: 'deploy', password: 'line\nbreak' })).listRemote(),
      'CREDENTIAL_INVALID',
      /line break/,
    );
  });

  t.test('the private hgrc is 0600', async (t) => {
    // Observed through a spy that copies the hgrc's mode while hg runs.
    const spyDir = await makeTempDir('packyard-hgmode-');
    t.teardown(() => removeDir(spyDir));
    const real = execFileSync('sh', ['-c', 'command -v hg'], { encoding: 'utf8' }).trim();
    const { writeFile, chmod } = await import('node:fs/promises');
    await writeFile(join(spyDir, 'hg'), `#!/bin/sh\nstat -c %a "$HGRCPATH" >> '${join(spyDir, 'modes')}'\nexec '${real}' "$@"\n`);
    await chmod(join(spyDir, 'hg'), 0o755);
    const original = process.env['PATH'];
    process.env['PATH'] = `${spyDir}:${original ?? ''}`;
    t.teardown(() => {
      process.env['PATH'] = original;
    });
    await createHgDriver(optsFor(server.url, { type: 'http-basic', username: 'deploy', password: PASSWORD })).listRemote();
    const modes = (await readFile(join(spyDir, 'modes'), 'utf8')).trim().split('\n');
    t.ok(modes.length >= 2);
    t.ok(modes.every((m) => m === '600'), modes.join(','));
  });
}
