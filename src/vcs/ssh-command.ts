// The ssh client command line that every VCS (git, hg, svn) runs its ssh transport through:
// isolated from the host's ssh configuration and keys, host keys pinned (never
// StrictHostKeyChecking=no), the private key in a private scratch file for one command only.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VcsCredential } from './types.js';

/** Quotes a value for a POSIX shell (GIT_SSH_COMMAND, hg's ui.ssh and SVN_SSH run through one). */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function withTrailingNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

export interface SshCommand {
  /** The shell command line (`ssh -F /dev/null -o … -i '…'`), to which the VCS appends host and command. */
  command: string;
  /** Literal secrets to scrub from any text that leaves the driver. */
  secrets: string[];
}

/**
 * Writes the pinned host keys (and the private key, if any) into `home` (a fresh private
 * directory the caller removes after the command) and returns the ssh command line.
 * `knownHosts`: known_hosts lines pinned for the hosts this command may reach; empty means none
 * is known, and ssh then fails with "Host key verification failed" (mapped to VCS_HOST_KEY).
 */
export async function prepareSshCommand(options: {
  home: string;
  credential: VcsCredential | undefined;
  knownHosts: string;
  /** ssh's ConnectTimeout (vcs.connect_timeout_seconds), in milliseconds. */
  connectTimeoutMs: number;
}): Promise<SshCommand> {
  const { home, credential, knownHosts } = options;
  const knownHostsFile = join(home, 'known_hosts');
  await writeFile(knownHostsFile, knownHosts.trim() === '' ? '' : withTrailingNewline(knownHosts), { mode: 0o600 });
  const args = [
    'ssh',
    '-F', '/dev/null',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${shellQuote(knownHostsFile)}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'UpdateHostKeys=no',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'IdentityAgent=none',
    '-o', `ConnectTimeout=${Math.max(1, Math.ceil(options.connectTimeoutMs / 1000))}`,
  ];
  const secrets: string[] = [];
  if (credential?.type === 'ssh-key') {
    const keyFile = join(home, 'id_key');
    await writeFile(keyFile, withTrailingNewline(credential.privateKey), { mode: 0o600 });
    args.push('-i', shellQuote(keyFile));
    secrets.push(credential.privateKey.trim());
  } else {
    // Never fall back to the service account's own ~/.ssh keys.
    args.push('-o', 'IdentityFile=none');
  }
  return { command: args.join(' '), secrets };
}

/** The pinned host keys a driver uses: the per-host store first, else the credential's own. */
export function pinnedHostKeys(knownHosts: string | undefined, credential: VcsCredential | undefined): string {
  if (knownHosts !== undefined && knownHosts.trim() !== '') return knownHosts;
  return credential?.type === 'ssh-key' ? (credential.knownHosts ?? '') : '';
}
