// The environment and `-c` options of every git subprocess: minimal, isolated from the host's
// git and ssh configuration, and carrying credentials without putting secrets in argv or on disk.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../domain/errors.js';
import type { VcsCredential } from './types.js';

/** How the driver reaches the remote; decides which credential kinds apply. */
export type GitTransport = 'http' | 'ssh' | 'git' | 'local';

export interface GitInvocation {
  /** Global options placed before the git subcommand (`-c key=value`). */
  configArgs: string[];
  env: Record<string, string>;
  /** Literal secrets to scrub from any text that leaves the driver. */
  secrets: string[];
}

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';
const TOKEN_USERNAME = 'x-access-token';

// Git runs a `!`-helper through the shell with the action appended ("get", "store", "erase").
// The text names variables only; their values live in the child's environment, which other
// users cannot read (/proc/PID/environ is private), unlike argv.
const CREDENTIAL_HELPER =
  '!f() { test "$1" = get || return 0; ' +
  'printf "username=%s\\npassword=%s\\n" "$PACKYARD_GIT_USERNAME" "$PACKYARD_GIT_PASSWORD"; }; f';

/** Quotes a value for a POSIX shell (GIT_SSH_COMMAND is run through one). */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Describes a credential for messages: its type and user name, never its secret. */
export function describeCredential(credential: VcsCredential | undefined): string {
  if (credential === undefined) return 'none';
  switch (credential.type) {
    case 'http-basic':
      return `http-basic (user "${credential.username}")`;
    case 'token':
      return `token (user "${credential.username ?? TOKEN_USERNAME}")`;
    case 'ssh-key':
      return 'ssh-key';
  }
}

function credentialMismatch(credential: VcsCredential, transport: GitTransport): never {
  throw new AppError(
    'CREDENTIAL_INVALID',
    `a credential of type ${credential.type} cannot be used with a ${transport} repository URL`,
    { credentialType: credential.type, transport },
  );
}

function userAndPassword(credential: VcsCredential): { username: string; password: string } | undefined {
  if (credential.type === 'http-basic') return { username: credential.username, password: credential.password };
  if (credential.type === 'token') return { username: credential.username ?? TOKEN_USERNAME, password: credential.token };
  return undefined;
}

function withTrailingNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * Builds the invocation for one git command. `home` is a fresh private directory that exists for
 * the duration of the command only (the caller removes it); ssh key material is written there.
 */
export async function prepareGitInvocation(options: {
  transport: GitTransport;
  credential: VcsCredential | undefined;
  home: string;
  timeoutMs: number;
}): Promise<GitInvocation> {
  const { transport, credential, home } = options;
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? DEFAULT_PATH,
    HOME: home,
    XDG_CONFIG_HOME: home,
    LANG: 'C',
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    // /etc/gitattributes could change what `git archive` exports.
    GIT_ATTR_NOSYSTEM: '1',
    GIT_NO_REPLACE_OBJECTS: '1',
    // Defence in depth next to the URL check: no ext::, fd:: or other transports.
    GIT_ALLOW_PROTOCOL: 'file:git:http:https:ssh',
  };
  // An empty helper first clears any inherited helper list.
  const configArgs: string[] = ['-c', 'credential.helper=', '-c', 'core.hooksPath=/dev/null'];
  const secrets: string[] = [];

  if (credential !== undefined && transport !== 'local') {
    const basic = userAndPassword(credential);
    if (basic !== undefined) {
      if (transport !== 'http') credentialMismatch(credential, transport);
      if (/[\n\r\0]/.test(basic.username + basic.password)) {
        throw new AppError('CREDENTIAL_INVALID', 'a user name or password contains a line break or NUL byte');
      }
      env['PACKYARD_GIT_USERNAME'] = basic.username;
      env['PACKYARD_GIT_PASSWORD'] = basic.password;
      configArgs.push('-c', `credential.helper=${CREDENTIAL_HELPER}`);
      secrets.push(basic.password);
    } else if (transport !== 'ssh') {
      credentialMismatch(credential, transport);
    }
  }

  if (transport === 'ssh') {
    const knownHosts = join(home, 'known_hosts');
    // With no pinned host keys the file is empty, so ssh reports the host key as unknown.
    const pinned = credential?.type === 'ssh-key' ? (credential.knownHosts ?? '') : '';
    await writeFile(knownHosts, pinned === '' ? '' : withTrailingNewline(pinned), { mode: 0o600 });
    const sshArgs = [
      'ssh',
      '-F', '/dev/null',
      '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', `UserKnownHostsFile=${shellQuote(knownHosts)}`,
      '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'UpdateHostKeys=no',
      '-o', 'IdentitiesOnly=yes',
      '-o', 'IdentityAgent=none',
      '-o', `ConnectTimeout=${Math.max(1, Math.ceil(options.timeoutMs / 1000))}`,
    ];
    if (credential?.type === 'ssh-key') {
      const keyFile = join(home, 'id_key');
      await writeFile(keyFile, withTrailingNewline(credential.privateKey), { mode: 0o600 });
      sshArgs.push('-i', shellQuote(keyFile));
      secrets.push(credential.privateKey.trim());
    } else {
      // Never fall back to the service account's own ~/.ssh keys.
      sshArgs.push('-o', 'IdentityFile=none');
    }
    env['GIT_SSH_COMMAND'] = sshArgs.join(' ');
    env['GIT_SSH_VARIANT'] = 'ssh';
  }
  return { configArgs, env, secrets };
}

/** Replaces every literal secret in `text`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}
