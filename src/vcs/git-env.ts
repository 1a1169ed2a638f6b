// The environment and `-c` options of every git subprocess: minimal, isolated from the host's
// git and ssh configuration, and carrying credentials without putting secrets in argv or on disk:
// user name and password through a credential helper that reads them from the environment, a
// Bearer token as an http.<url>.extraHeader given through GIT_CONFIG_COUNT/KEY/VALUE (git ≥ 2.31).

import { AppError } from '../domain/errors.js';
import type { VcsCredential } from './types.js';
import { pinnedHostKeys, prepareSshCommand } from './ssh-command.js';

export { shellQuote } from './ssh-command.js';

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
// users cannot read (/proc/PID/environ is private), unlike argv. It answers only when the
// `protocol` and `host` git asks about (after a redirect: the new URL's) are the package URL's
// protocol and one of the credential's bound hosts (PACKYARD_GIT_HOSTS: every spelling git may
// send, space-separated); for any other host it answers nothing and git sends nothing.
export const CREDENTIAL_HELPER =
  '!f() { test "$1" = get || return 0; p=; h=; ' +
  'while IFS= read -r l; do case "$l" in protocol=*) p=${l#protocol=};; host=*) h=${l#host=};; "") break;; esac; done; ' +
  'h=$(printf "%s" "$h" | tr "[:upper:]" "[:lower:]"); ' +
  'test -n "$h" && test "$p" = "$PACKYARD_GIT_PROTOCOL" || return 0; ' +
  'case " $PACKYARD_GIT_HOSTS " in *" $h "*) ;; *) return 0;; esac; ' +
  'printf "username=%s\\npassword=%s\\n" "$PACKYARD_GIT_USERNAME" "$PACKYARD_GIT_PASSWORD"; }; f';


/** Describes a credential for messages: its type and user name, never its secret. */
export function describeCredential(credential: VcsCredential | undefined, name?: string): string {
  if (credential === undefined) return 'none';
  const prefix = name === undefined ? '' : `"${name}" `;
  switch (credential.type) {
    case 'http-basic':
      return `${prefix}http-basic (user "${credential.username}")`;
    case 'token':
      return `${prefix}token (user "${credential.username ?? TOKEN_USERNAME}")`;
    case 'http-bearer':
      return `${prefix}bearer token`;
    case 'ssh-key':
      return `${prefix}ssh-key`;
  }
}

function credentialMismatch(credential: VcsCredential, transport: GitTransport): never {
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


/**
 * The environment that makes git send `Authorization: Bearer <token>` to the package URL's origin
 * only: `http.<origin>.extraHeader` through GIT_CONFIG_COUNT/KEY/VALUE (git ≥ 2.31), so neither
 * the key nor the token is in argv (`ps` shows argv; /proc/PID/environ is private to the user).
 * git applies `http.<url>.*` to URLs under that scheme, host and port only. No credential helper
 * answers for it: a server that refuses the token gets nothing else.
 */
export function bearerHeaderEnv(token: string, scope: { protocol: string; hosts: readonly string[]; origin?: string | undefined } | undefined): Record<string, string> {
  // A header value is one line of visible ASCII; anything else could add headers or be mangled.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new AppError('CREDENTIAL_INVALID', 'The Bearer token is empty or contains a blank, a line break or a character outside visible ASCII.');
  }
  const origin = scope?.origin;
  if (origin === undefined || !/^https?:\/\/[a-z0-9_.:[\]%-]+\/$/.test(origin) || scope?.protocol !== origin.slice(0, origin.indexOf(':'))) {
    throw new AppError('CREDENTIAL_INVALID', 'The credential has no valid host to be sent to, so it is not used.');
  }
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `http.${origin}.extraHeader`,
    GIT_CONFIG_VALUE_0: `Authorization: Bearer ${token}`,
  };
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
  /** Time to open a connection (ssh's ConnectTimeout); default timeoutMs. */
  connectTimeoutMs?: number | undefined;
  /** Pinned known_hosts lines for the remote's host (the host-key store); see pinnedHostKeys. */
  knownHosts?: string | undefined;
  /** PEM file of a CA to trust for https remotes. */
  caFile?: string | undefined;
  /**
   * For http(s): the URL's protocol and the `host` spellings (credential-hosts.ts gitHostSpellings)
   * the helper answers for, and `origin`, the package URL's `scheme://host[:port]/` that a Bearer
   * header is scoped to. Required with an http credential: no list, no answer.
   */
  credentialScope?: { protocol: string; hosts: readonly string[]; origin?: string | undefined } | undefined;
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
  const bearer = credential?.type === 'http-bearer' && transport !== 'local' ? credential : undefined;
  // An empty helper first clears any inherited helper list. core.sharedRepository=0600: what git
  // writes in a mirror is private to Packyard's user (0600 files, 0700 directories), whatever
  // the umask of the process that runs it. http.followRedirects=initial (git's default, pinned
  // here): only the first request of a command follows a redirect; git then asks the helper about
  // the new host, which answers only for bound hosts. Later requests that are redirected fail.
  // With a Bearer header no redirect is followed at all: git sends an extra header with every
  // request of the command, wherever a redirect leads, so none may lead anywhere.
  const configArgs: string[] = [
    '-c', 'credential.helper=', '-c', 'core.hooksPath=/dev/null', '-c', 'core.sharedRepository=0600',
    '-c', `http.followRedirects=${bearer === undefined ? 'initial' : 'false'}`,
  ];
  const secrets: string[] = [];

  if (bearer !== undefined) {
    if (transport !== 'http') credentialMismatch(bearer, transport);
    Object.assign(env, bearerHeaderEnv(bearer.token, options.credentialScope));
    secrets.push(bearer.token);
  } else if (credential !== undefined && transport !== 'local') {
    const basic = userAndPassword(credential);
    if (basic !== undefined) {
      if (transport !== 'http') credentialMismatch(credential, transport);
      if (/[\n\r\0]/.test(basic.username + basic.password)) {
        throw new AppError('CREDENTIAL_INVALID', 'A user name or password contains a line break or NUL byte.');
      }
      const scope = options.credentialScope;
      if (scope === undefined || scope.hosts.some((h) => !/^[a-z0-9_.:[\]%-]+$/.test(h))) {
        throw new AppError('CREDENTIAL_INVALID', 'The credential has no valid list of hosts to be sent to, so it is not used.');
      }
      env['PACKYARD_GIT_PROTOCOL'] = scope.protocol;
      env['PACKYARD_GIT_HOSTS'] = scope.hosts.join(' ');
      env['PACKYARD_GIT_USERNAME'] = basic.username;
      env['PACKYARD_GIT_PASSWORD'] = basic.password;
      configArgs.push('-c', `credential.helper=${CREDENTIAL_HELPER}`);
      secrets.push(basic.password);
    } else if (transport !== 'ssh') {
      credentialMismatch(credential, transport);
    }
  }

  if (transport === 'ssh') {
    const ssh = await prepareSshCommand({
      home,
      credential,
      knownHosts: pinnedHostKeys(options.knownHosts, credential),
      connectTimeoutMs: options.connectTimeoutMs ?? options.timeoutMs,
    });
    env['GIT_SSH_COMMAND'] = ssh.command;
    env['GIT_SSH_VARIANT'] = 'ssh';
    secrets.push(...ssh.secrets);
  }
  if (transport === 'http' && options.caFile !== undefined) {
    // The CA(s) for this repository's server (self-signed or company CA), instead of the system's bundle.
    configArgs.push('-c', `http.sslCAInfo=${options.caFile}`);
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
