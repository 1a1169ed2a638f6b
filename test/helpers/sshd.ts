// A throwaway OpenSSH server on 127.0.0.1:<free port> for git-over-ssh tests: its own host key,
// one authorized ed25519 client key, everything in a temp dir, stopped and removed by close().

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir, removeDir } from './git-repo.js';
import { canConnect, freePort } from './net.js';

const execFileP = promisify(execFile);
const SSHD = '/usr/sbin/sshd';

export interface TestSshd {
  readonly port: number;
  /** known_hosts line for this server: `[127.0.0.1]:PORT ssh-ed25519 AAAA...` */
  readonly hostKeyLine: string;
  /** An OpenSSH private key (ed25519, no passphrase) whose public key is authorized. */
  readonly clientKey: string;
  /** Authorizes one more public key (an `ssh-ed25519 AAAA… comment` line). */
  authorize(publicKey: string): Promise<void>;
  /** ssh://USER@127.0.0.1:PORT/abs/path.git */
  url(absPath: string): string;
  close(): Promise<void>;
}



async function keygen(file: string, comment: string): Promise<{ privateKey: string; publicKey: string }> {
  await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  return { privateKey: await readFile(file, 'utf8'), publicKey: (await readFile(`${file}.pub`, 'utf8')).trim() };
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Polls until the port accepts connections, sshd exits, or the deadline passes. */
async function waitReady(child: ChildProcess, port: number, deadlineMs: number): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline && !exited) {
    if (await canConnect(port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

/** Starts sshd; `sshd` must be installed and the tests must run as a user sshd can log in as. */
export async function startSshd(): Promise<TestSshd> {
  const dir = await makeTempDir('packyard-sshd-');
  const user = userInfo().username;
  try {
    // sshd's privilege separation needs this directory to exist.
    await mkdir('/run/sshd', { recursive: true });
    const host = await keygen(join(dir, 'host_ed25519'), 'packyard-test-host');
    const client = await keygen(join(dir, 'client_ed25519'), 'packyard-test-client');
    await writeFile(join(dir, 'authorized_keys'), `${client.publicKey}\n`, { mode: 0o600 });
    const hostKeyBody = host.publicKey.split(' ').slice(0, 2).join(' ');

    // A port picked by listen(0) can be taken again before sshd binds it: retry a few times.
    let lastLog = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      const config = [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host_ed25519')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        'UsePAM no',
        'StrictModes no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'PermitRootLogin prohibit-password',
        `AllowUsers ${user}`,
        'LogLevel ERROR',
      ].join('\n');
      const configFile = join(dir, 'sshd_config');
      await writeFile(configFile, `${config}\n`);
      const child = spawn(SSHD, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (c: string) => (log = (log + c).slice(-4000)));
      if (await waitReady(child, port, 10_000)) {
        return {
          port,
          hostKeyLine: `[127.0.0.1]:${port} ${hostKeyBody}`,
          clientKey: client.privateKey,
          authorize: (publicKey) => appendFile(join(dir, 'authorized_keys'), `${publicKey.trim()}\n`),
          url: (absPath) => `ssh://${user}@127.0.0.1:${port}${absPath.startsWith('/') ? '' : '/'}${absPath}`,
          close: async () => {
            child.kill('SIGTERM');
            await waitForExit(child);
            await removeDir(dir);
          },
        };
      }
      child.kill('SIGKILL');
      await waitForExit(child);
      lastLog = log;
    }
    throw new Error(`sshd did not start: ${lastLog.trim()}`);
  } catch (e) {
    await removeDir(dir);
    throw e;
  }
}
