// The hg driver over ssh against a throwaway sshd (`hg -R /abs/path serve --stdio` on the
// server; URL ssh://USER@127.0.0.1:PORT//abs/path): a deploy key with a pinned host key works;
// unknown and changed host keys, unauthorized keys and missing repositories each get their code.
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../../src/domain/errors.js';
import { createHgDriver } from '../../../src/vcs/hg.js';
import { fileKey, type VcsCredential } from '../../../src/vcs/types.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { startSshd } from '../../helpers/sshd.js';
import { buildHgPackageFixture } from './fixtures/hg-package-repo.js';
import { installHgSpy } from './fixtures/hg-spy.js';

if (!existsSync('/usr/sbin/sshd') || process.getuid?.() !== 0) {
  t.plan(0, 'needs openssh-server and root (sshd privilege separation)');
} else {
  const root = await makeTempDir('packyard-hg-ssh-');
  t.teardown(() => removeDir(root));
  const fx = await buildHgPackageFixture(root);
  const sshd = await startSshd();
  t.teardown(() => sshd.close());
  const tmpDir = join(root, 'scratch');
  // hg's ssh URLs take an absolute path after a second slash.
  const hgUrl = (abs: string) => sshd.url(`/${abs}`);

  let mirrors = 0;
  const driverFor = (credential?: VcsCredential, extra: { url?: string; knownHosts?: string } = {}) =>
    createHgDriver({
      url: extra.url ?? hgUrl(fx.dir),
      mirrorDir: join(root, 'mirrors', `m${++mirrors}.hg`),
      tmpDir,
      timeoutMs: 20_000,
      credential,
      credentialName: 'deploy-key',
      knownHosts: extra.knownHosts,
    });

  const otherKey = async (): Promise<{ privateKey: string; publicBody: string }> => {
    const dir = await makeTempDir('packyard-otherkey-');
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
      return {
        privateKey: await readFile(join(dir, 'k'), 'utf8'),
        publicBody: (await readFile(join(dir, 'k.pub'), 'utf8')).split(' ').slice(0, 2).join(' '),
      };
    } finally {
      await removeDir(dir);
    }
  };

  const rejectsWith = async (t: Test, promise: Promise<unknown>, code: string, message: RegExp): Promise<void> => {
    try {
      await promise;
      t.fail(`expected ${code}`);
    } catch (e) {
      t.ok(e instanceof AppError, 'an AppError');
      t.equal((e as AppError).code, code, (e as Error).message);
      t.match((e as Error).message, message);
      t.notMatch((e as Error).message, /PRIVATE KEY/);
    }
  };

  t.test('deploy key and pinned host key: list, mirror, read; one ssh session per listing', async (t) => {
    const spyDir = await makeTempDir('packyard-hgspy-');
    t.teardown(() => removeDir(spyDir));
    const spy = await installHgSpy(spyDir);
    t.teardown(() => spy.restore());
    const cred: VcsCredential = { type: 'ssh-key', privateKey: sshd.clientKey, knownHosts: sshd.hostKeyLine };
    const driver = driverFor(cred);
    const state = await driver.listRemote();
    t.equal(state.defaultBranch, 'default');
    t.equal(state.refs.find((r) => r.name === 'v1.1.0')?.commit, fx.feature);
    await driver.syncMirror();
    const files = await driver.readFiles([{ commit: fx.first, path: 'composer.json' }]);
    t.equal(files.get(fileKey(fx.first, 'composer.json'))?.toString(), '{"name":"acme/widget"}\n');

    let ssh = (await spy.calls()).filter((c) => c.program === 'ssh');
    t.equal(ssh.length, 1, 'ssh ran once: the clone (syncMirror after listRemote is free)');
    const args = ssh[0]?.args.join(' ') ?? '';
    t.match(args, /-o StrictHostKeyChecking=yes/);
    t.match(args, /-o BatchMode=yes/);
    t.match(args, /-o IdentitiesOnly=yes/);
    t.match(args, /-F \/dev\/null/);
    t.match(args, /-p \d+/);
    t.match(args, /hg -R \/.*widget-hg serve --stdio/);
    t.notMatch(args, /StrictHostKeyChecking=no/);
    t.notOk(ssh.some((c) => c.args.join(' ').includes('PRIVATE KEY')), 'the key itself is never an argument');
    t.same(await readdir(tmpDir), [], 'key material is removed after each command');

    // The per-host store (opts.knownHosts) takes precedence over the credential's own pins.
    await spy.reset();
    const again = driverFor({ type: 'ssh-key', privateKey: sshd.clientKey }, { knownHosts: sshd.hostKeyLine });
    await again.listRemote();
    await again.syncMirror();
    ssh = (await spy.calls()).filter((c) => c.program === 'ssh');
    t.equal(ssh.length, 1, 'one ssh session for the unchanged remote');
  });

  t.test('no pinned host key: VCS_HOST_KEY saying to pin it', async (t) => {
    await rejectsWith(
      t,
      driverFor({ type: 'ssh-key', privateKey: sshd.clientKey }).listRemote(),
      'VCS_HOST_KEY',
      /^Host key verification failed for ssh:\/\/.*127\.0\.0\.1:\d+\/\/.*: the server's host key is unknown; pin it with packyard host-key add/,
    );
  });

  t.test('a different pinned host key: VCS_HOST_KEY saying it changed', async (t) => {
    const other = await otherKey();
    await rejectsWith(
      t,
      driverFor({ type: 'ssh-key', privateKey: sshd.clientKey, knownHosts: `[127.0.0.1]:${sshd.port} ${other.publicBody}` }).listRemote(),
      'VCS_HOST_KEY',
      /does not match the pinned one; .*host-key scan HOST:PORT --pin/,
    );
  });

  t.test('a key that is not authorized: VCS_AUTH_FAILED', async (t) => {
    const other = await otherKey();
    await rejectsWith(
      t,
      driverFor({ type: 'ssh-key', privateKey: other.privateKey, knownHosts: sshd.hostKeyLine }).listRemote(),
      'VCS_AUTH_FAILED',
      /^Authentication failed for ssh:\/\/.* with credential "deploy-key" ssh-key; check that the key's public key is authorized on the server\.$/,
    );
  });

  t.test('a password credential on an ssh URL is refused', async (t) => {
    await t.rejects(driverFor({ type: 'http-basic', username: 'u', password: 'p' }).listRemote(), { code: 'CREDENTIAL_INVALID' });
  });

  t.test('a repository path that does not exist: VCS_NOT_FOUND', async (t) => {
    await rejectsWith(
      t,
      driverFor({ type: 'ssh-key', privateKey: sshd.clientKey, knownHosts: sshd.hostKeyLine }, { url: hgUrl(join(root, 'missing')) }).listRemote(),
      'VCS_NOT_FOUND',
      /^Repository ssh:\/\/.*\/missing was not found \(or the credential "deploy-key" ssh-key may not read it\)/,
    );
  });
}
