// The environment and private hgrc of every hg subprocess: isolated from the host's Mercurial and
// ssh configuration, with credentials in a 0600 file inside a per-command scratch HOME (never in
// argv, the URL or the mirror's own hgrc).

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../domain/errors.js';
import type { VcsCredential } from './types.js';
import { pinnedHostKeys, prepareSshCommand } from './ssh-command.js';
import { bearerRefused } from './vcs-errors.js';

export type HgTransport = 'http' | 'ssh' | 'local';

export interface HgInvocation {
  env: Record<string, string>;
  /** Literal secrets to scrub from any text that leaves the driver. */
  secrets: string[];
}

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';
const TOKEN_USERNAME = 'x-access-token';

function credentialMismatch(credential: VcsCredential, transport: HgTransport): never {
  throw new AppError(
    'CREDENTIAL_INVALID',
    `A credential of type ${credential.type} cannot be used with a ${transport} repository URL.`,
    { credentialType: credential.type, transport },
  );
}

function userAndPassword(credential: VcsCredential): { username: string; password: string } | undefined {
  if (credential.type === 'http-basic') return { username: credential.username, password: credential.password };
  if (credential.type === 'token') return { username: credential.username ?? TOKEN_USERNAME, password: credential.token };
  return undefined;
}

/** hgrc values are one line with surrounding blanks trimmed: refuse what would not survive. */
function hgrcValue(value: string, what: string): string {
  if (/[\n\r\0]/.test(value) || value.trim() !== value || value === '') {
    throw new AppError('CREDENTIAL_INVALID', `The ${what} is empty, contains a line break or NUL byte, or starts or ends with a blank; Mercurial cannot use it.`);
  }
  return value;
}

/**
 * Writes `home/hgrc` (mode 0600) and builds the environment for one hg command. `home` is a
 * fresh private directory the caller removes after the command.
 */
export async function prepareHgInvocation(options: {
  transport: HgTransport;
  /**
   * For http transports: `scheme://authority/` of the repository URL (the credential's bound host);
   * the [auth] entry matches URLs under it only. Required with a credential.
   */
  authPrefix?: string | undefined;
  credential: VcsCredential | undefined;
  home: string;
  timeoutMs: number;
  /** Time to open a connection (ssh's ConnectTimeout); default timeoutMs. */
  connectTimeoutMs?: number | undefined;
  knownHosts?: string | undefined;
  caFile?: string | undefined;
  /** Extra hgrc lines (sections included), e.g. for archive settings. */
  extraConfig?: string[] | undefined;
}): Promise<HgInvocation> {
  const { transport, credential, home } = options;
  const lines: string[] = ['[ui]', 'interactive = false', 'archivemeta = false', 'merge = internal:fail'];
  const secrets: string[] = [];

  if (transport === 'ssh') {
    if (credential !== undefined && credential.type !== 'ssh-key') credentialMismatch(credential, transport);
    const ssh = await prepareSshCommand({
      home,
      credential,
      knownHosts: pinnedHostKeys(options.knownHosts, credential),
      connectTimeoutMs: options.connectTimeoutMs ?? options.timeoutMs,
    });
    lines.push(`ssh = ${ssh.command}`);
    secrets.push(...ssh.secrets);
  }
  if (transport === 'http') {
    if (credential?.type === 'http-bearer') throw bearerRefused('Mercurial (hg)');
    if (credential !== undefined) {
      const basic = userAndPassword(credential);
      if (basic === undefined) credentialMismatch(credential, transport);
      if (options.authPrefix === undefined || !/^https?:\/\/[^\s/@]+\/$/.test(options.authPrefix)) {
        throw new AppError('CREDENTIAL_INVALID', 'The repository URL has no host to bind the credential to, so it is not used.');
      }
      lines.push(
        '[auth]',
        `packyard.prefix = ${options.authPrefix}`,
        `packyard.username = ${hgrcValue(basic.username, 'user name')}`,
        `packyard.password = ${hgrcValue(basic.password, 'password')}`,
      );
      secrets.push(basic.password);
    }
    if (options.caFile !== undefined) lines.push('[web]', `cacerts = ${hgrcValue(options.caFile, 'CA file path')}`);
  }
  if (options.extraConfig) lines.push(...options.extraConfig);
  const hgrc = join(home, 'hgrc');
  await writeFile(hgrc, `${lines.join('\n')}\n`, { mode: 0o600 });

  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? DEFAULT_PATH,
    HOME: home,
    XDG_CONFIG_HOME: home,
    // Only this file: no /etc/mercurial, no ~/.hgrc of the service account.
    HGRCPATH: hgrc,
    // The mirror's .hg/hgrc is never trusted either (hg clone writes the source path there).
    HGRCSKIPREPO: '1',
    HGPLAIN: '1',
    HGENCODING: 'utf-8',
    HGUSER: 'packyard',
    LANG: 'C',
    LC_ALL: 'C',
  };
  return { env, secrets };
}
