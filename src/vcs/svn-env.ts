// The environment and global options of every svn subprocess: a private config dir and HOME per
// command, no auth cache, a CA file through `servers`, the password on stdin, ssh through SVN_SSH.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../domain/errors.js';
import { pinnedHostKeys, prepareSshCommand, shellQuote } from './ssh-command.js';
import type { VcsCredential } from './types.js';
import { bearerRefused } from './vcs-errors.js';

/** How the driver reaches the repository; decides which credential kinds apply. */
export type SvnTransport = 'http' | 'svn' | 'svn+ssh' | 'local';

export interface SvnInvocation {
  /** Global options placed before the subcommand's own arguments. */
  globalArgs: string[];
  env: Record<string, string>;
  /** Written to svn's stdin (`--password-from-stdin`), or undefined. */
  stdin: string | undefined;
  secrets: string[];
}

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';
const TOKEN_USERNAME = 'x-access-token';

function mismatch(credential: VcsCredential, transport: SvnTransport): never {
  throw new AppError(
    'CREDENTIAL_INVALID',
    `A credential of type ${credential.type} cannot be used with a ${transport} repository URL.`,
    { credentialType: credential.type, transport },
  );
}

/**
 * Prepares one svn command. `home` is a fresh private directory the caller removes afterwards;
 * svn's config dir, the known_hosts file and any key material live there.
 */
export async function prepareSvnInvocation(options: {
  transport: SvnTransport;
  credential: VcsCredential | undefined;
  home: string;
  timeoutMs: number;
  /** Time to open a connection (ssh's ConnectTimeout); default timeoutMs. */
  connectTimeoutMs?: number | undefined;
  knownHosts?: string | undefined;
  caFile?: string | undefined;
}): Promise<SvnInvocation> {
  const { transport, credential, home } = options;
  const configDir = join(home, 'svn-config');
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
  // No password store, no keyring, nothing cached; the CA (if any) on top of the system's.
  await writeFile(join(configDir, 'config'), '[auth]\npassword-stores =\n[miscellany]\nenable-auto-props = no\n', { mode: 0o600 });
  const servers = ['[global]', 'store-passwords = no', 'store-plaintext-passwords = no', 'store-auth-creds = no', `http-timeout = ${seconds}`];
  if (options.caFile !== undefined && transport === 'http') servers.push(`ssl-authority-files = ${options.caFile}`);
  await writeFile(join(configDir, 'servers'), `${servers.join('\n')}\n`, { mode: 0o600 });

  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? DEFAULT_PATH,
    HOME: home,
    XDG_CONFIG_HOME: home,
    LANG: 'C',
    LC_ALL: 'C',
  };
  const globalArgs = ['--non-interactive', '--no-auth-cache', '--config-dir', configDir];
  const secrets: string[] = [];
  let stdin: string | undefined;

  if (credential !== undefined && transport !== 'local') {
    if (credential.type === 'http-bearer') throw bearerRefused('Subversion (svn)');
    if (credential.type === 'ssh-key') {
      if (transport !== 'svn+ssh') mismatch(credential, transport);
    } else {
      if (transport === 'svn+ssh') mismatch(credential, transport);
      const username = credential.type === 'http-basic' ? credential.username : (credential.username ?? TOKEN_USERNAME);
      const password = credential.type === 'http-basic' ? credential.password : credential.token;
      if (/[\n\r\0]/.test(username + password)) {
        throw new AppError('CREDENTIAL_INVALID', 'A user name or password contains a line break or NUL byte.');
      }
      // The password goes through a pipe, never argv, a URL or a file.
      globalArgs.push('--username', username, '--password-from-stdin');
      stdin = `${password}\n`;
      secrets.push(password);
    }
  }
  if (transport === 'svn+ssh') {
    const ssh = await prepareSshCommand({
      home,
      credential,
      knownHosts: pinnedHostKeys(options.knownHosts, credential),
      connectTimeoutMs: options.connectTimeoutMs ?? options.timeoutMs,
    });
    // svn runs `$SVN_SSH [user@]host[:port] svnserve -t`: ssh takes no port in a plain
    // destination, but does in an ssh:// one, so a small script rewrites it. SVN_SSH is split on
    // whitespace by svn (no shell), hence `sh FILE` with the command line inside the file.
    const script = join(home, 'svn-ssh.sh');
    await writeFile(script, `#!/bin/sh\ndest="$1"\nshift\nexec ${ssh.command} -- "ssh://$dest" "$@"\n`, { mode: 0o600 });
    env['SVN_SSH'] = `sh ${shellQuote(script)}`;
    secrets.push(...ssh.secrets);
  }
  return { globalArgs, env, stdin, secrets };
}
