// The git driver over ssh against a throwaway sshd: a deploy key with a pinned host key works;
// an unknown or different host key is VCS_HOST_KEY, an unauthorized key VCS_AUTH_FAILED.
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../../src/domain/errors.js';
import { createGitDriver } from '../../../src/vcs/git.js';
import { fileKey, type VcsCredential } from '../../../src/vcs/types.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { startSshd } from '../../helpers/sshd.js';
import { buildPackageFixture } from './fixtures/package-repo.js';
import { installProcessSpy } from './fixtures/process-spy.js';

if (!existsSync('/usr/sbin/sshd') || process.getuid?.() !== 0) {
  t.plan(0, 'needs openssh-server and root (sshd privilege separation)');
} else {
  const root = await makeTempDir('packyard-git-ssh-');
  t.teardown(() => removeDir(root));
  const fx = await buildPackageFixture(root);
  const sshd = await startSshd();
  t.teardown(() => sshd.close());
  const spy = await installProcessSpy(await makeTempDir('packyard-spy-'));
  t.teardown(() => spy.restore());
  const tmpDir = join(root, 'scratch');

  let mirrors = 0;
  const driverFor = (credential?: VcsCredential) =>
    createGitDriver({
      url: sshd.url(fx.bare),
      mirrorDir: join(root, 'mirrors', `m${++mirrors}.git`),
      tmpDir,
      timeoutMs: 20_000,
      credential,
    });

  const rejectsWith = async (t: Test, promise: Promise<unknown>, code: string, message: RegExp): Promise<void> => {
    try {
      await promise;
      t.fail(`expected ${code}`);
    } catch (e) {
      t.ok(e instanceof AppError, 'an AppError');
      t.equal((e as AppError).code, code);
      t.match((e as Error).message, message);
      t.notMatch((e as Error).message, /PRIVATE KEY/);
    }
  };

  t.test('deploy key and pinned host key: list, mirror, read', async (t) => {
    await spy.reset();
    const driver = driverFor({ type: 'ssh-key', privateKey: sshd.clientKey, knownHosts: sshd.hostKeyLine });
    const state = await driver.listRemote();
    t.equal(state.defaultBranch, 'develop');
    t.equal(state.refs.find((r) => r.name === 'v1.1.0')?.commit, fx.second, 'annotated tag peeled over ssh');
    await driver.syncMirror();
    const files = await driver.readFiles([{ commit: fx.first, path: 'composer.json' }]);
    t.equal(files.get(fileKey(fx.first, 'composer.json'))?.toString(), '{"name":"acme/widget"}\n');

    const ssh = (await spy.calls()).filter((c) => c.program === 'ssh');
    t.equal(ssh.length, 2, 'ssh ran for ls-remote and fetch only');
    const args = ssh[0]?.args.join(' ') ?? '';
    t.match(args, /-o StrictHostKeyChecking=yes/);
    t.match(args, /-o BatchMode=yes/);
    t.match(args, /-o IdentitiesOnly=yes/);
    t.match(args, /-F \/dev\/null/);
    t.notMatch(args, /StrictHostKeyChecking=no/);
    t.notOk(ssh.some((c) => c.args.join(' ').includes('PRIVATE KEY')), 'the key itself is never an argument');
    t.same(await readdir(tmpDir), [], 'key material is removed after each command');
  });

  t.test('no pinned host key: VCS_HOST_KEY saying to pin it', async (t) => {
    await rejectsWith(
      t,
      driverFor({ type: 'ssh-key', privateKey: sshd.clientKey }).listRemote(),
      'VCS_HOST_KEY',
      /Host key verification failed for ssh:\/\/.*127\.0\.0\.1.*: the server's host key is unknown; pin it with packyard host-key add/,
    );
  });

  t.test('a different pinned host key: VCS_HOST_KEY', async (t) => {
    const other = await makeTempDir('packyard-otherkey-');
    t.teardown(() => removeDir(other));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(other, 'k')]);
    const wrongLine = `[127.0.0.1]:${sshd.port} ${(await readFile(join(other, 'k.pub'), 'utf8')).split(' ').slice(0, 2).join(' ')}`;
    await rejectsWith(
      t,
      driverFor({ type: 'ssh-key', privateKey: sshd.clientKey, knownHosts: wrongLine }).syncMirror(),
      'VCS_HOST_KEY',
      /does not match the pinned one; .*host-key scan HOST:PORT --pin/,
    );
  });

  t.test('a key that is not authorized: VCS_AUTH_FAILED', async (t) => {
    const other = await makeTempDir('packyard-otherkey-');
    t.teardown(() => removeDir(other));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(other, 'k')]);
    const key = await readFile(join(other, 'k'), 'utf8');
    await rejectsWith(
      t,
      driverFor({ type: 'ssh-key', privateKey: key, knownHosts: sshd.hostKeyLine }).listRemote(),
      'VCS_AUTH_FAILED',
      /Authentication failed for ssh:\/\/.* with credential ssh-key; check that the key's public key is authorized/,
    );
  });

  t.test('a repository path that does not exist: VCS_NOT_FOUND', async (t) => {
    const driver = createGitDriver({
      url: sshd.url(join(root, 'served', 'missing.git')),
      mirrorDir: join(root, 'mirrors', 'missing.git'),
      tmpDir,
      timeoutMs: 20_000,
      credential: { type: 'ssh-key', privateKey: sshd.clientKey, knownHosts: sshd.hostKeyLine },
    });
    await rejectsWith(t, driver.listRemote(), 'VCS_NOT_FOUND', /missing\.git was not found/);
  });
}
