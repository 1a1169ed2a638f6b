// URL safety for repository URLs: decides whether a URL given by an admin or a forge may be
// handed to git/hg/svn at all, and redacts URLs for display.

import { AppError } from '../domain/errors.js';

export type CheckedUrl = { kind: 'remote'; protocol: string } | { kind: 'local'; path: string };

export interface UrlPolicy {
  /** file:// URLs and absolute paths (tests and single-host setups only). */
  allowLocalPaths: boolean;
  /** Lower-case protocol names, e.g. https, http, ssh, git, svn. */
  allowedProtocols: readonly string[];
}

// Scheme aliases git accepts for ssh; svn+ssh stays its own protocol for the svn driver.
const SCHEME_ALIASES: Readonly<Record<string, string>> = {
  https: 'https',
  http: 'http',
  ssh: 'ssh',
  'git+ssh': 'ssh',
  'ssh+git': 'ssh',
  git: 'git',
  svn: 'svn',
  'svn+ssh': 'svn+ssh',
};

// Protocols where a user name in the URL selects the remote account (not a secret).
const USER_NAME_PROTOCOLS = new Set(['ssh', 'svn+ssh']);

const SCHEME_URL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
// git treats `<helper>::<address>` as "run git-remote-<helper>" (ext:: runs any command).
const TRANSPORT_HELPER = /^[A-Za-z0-9+.-]*::/;
// Percent-encoded control characters would be decoded by some transports (ssh paths).
const ENCODED_CONTROL = /%(?:[01][0-9A-Fa-f]|7[Ff])/;
// scp-like syntax: [user@]host:path, where no '/' comes before the first ':'.
const SCP_LIKE = /^(?:([^@/:]+)@)?(\[[^\]/]+\]|[^@/:[\]]+):(.*)$/s;

function refuse(url: string, why: string): never {
  const shown = withoutQuery(redactUrl(url));
  throw new AppError('URL_NOT_ALLOWED', `Repository URL "${shown}" is not allowed: ${why}.`, {
    url: shown,
  });
}

/** Refuses a URL with a query or fragment without echoing it: the part may hold a secret. */
function refuseSecretPart(url: string, what: string, marker: string): never {
  const shown = `${withoutQuery(redactUrl(url))}${marker}…`;
  throw new AppError(
    'URL_NOT_ALLOWED',
    `Repository URL "${shown}" is not allowed: package URLs may not carry ${what}: secrets in URLs are stored and published; ` +
      'use a credential (packyard credential add) instead.',
    { url: shown },
  );
}

/** A scheme URL without its query and fragment (never shown: they may hold a token). */
function withoutQuery(url: string): string {
  return SCHEME_URL.test(url) ? url.replace(/[?#].*$/s, '') : url;
}

function checkProtocol(url: string, protocol: string, policy: UrlPolicy): void {
  const allowed = policy.allowedProtocols.map((p) => p.toLowerCase());
  const ok = protocol === 'svn+ssh' ? allowed.includes('svn') && allowed.includes('ssh') : allowed.includes(protocol);
  if (!ok) refuse(url, `protocol "${protocol}" is not in vcs.allowed_protocols (${allowed.join(', ') || 'none'})`);
}

function checkLocal(url: string, path: string, policy: UrlPolicy): CheckedUrl {
  if (!policy.allowLocalPaths) refuse(url, 'local paths are disabled (vcs.allow_local_paths is false)');
  if (!path.startsWith('/')) refuse(url, 'a local path must be absolute');
  return { kind: 'local', path };
}

function checkSchemeUrl(url: string, scheme: string, policy: UrlPolicy): CheckedUrl {
  if (scheme === 'file') {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      refuse(url, 'it is not a valid file URL');
    }
    if (parsed.hostname !== '' && parsed.hostname !== 'localhost') refuse(url, 'a file URL must not name a host');
    return checkLocal(url, decodeURIComponent(parsed.pathname), policy);
  }
  const protocol = SCHEME_ALIASES[scheme];
  if (protocol === undefined) refuse(url, `protocol "${scheme}" is not supported`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    refuse(url, 'it is not a valid URL');
  }
  if (parsed.hostname === '') refuse(url, 'it has no host');
  // Tokens in query strings (?access_token=…) would be stored, shown and published as source.url.
  if (parsed.search !== '' || url.includes('?')) refuseSecretPart(url, 'a query string (?access_token=…)', '?');
  if (parsed.hash !== '' || url.includes('#')) refuseSecretPart(url, 'a fragment (#…)', '#');
  if (parsed.hostname.startsWith('-')) refuse(url, 'the host must not start with "-"');
  if (parsed.password !== '') {
    refuse(url, 'it contains a password; store it as a credential instead');
  }
  if (parsed.username !== '') {
    if (!USER_NAME_PROTOCOLS.has(protocol)) {
      refuse(url, `a user name in a ${protocol} URL is not allowed; store it as a credential instead`);
    }
    if (parsed.username.startsWith('-')) refuse(url, 'the user name must not start with "-"');
  }
  checkProtocol(url, protocol, policy);
  return { kind: 'remote', protocol };
}

/**
 * Decides whether `url` may be passed to a VCS client. Throws URL_NOT_ALLOWED naming the URL
 * and the reason; returns the protocol (scp-like `user@host:path` counts as ssh) or the local path.
 */
export function checkRepositoryUrl(url: string, policy: UrlPolicy): CheckedUrl {
  if (url === '') refuse(url, 'it is empty');
  if (url.length > 2048) refuse(url, 'it is longer than 2048 characters');
  // Control characters and whitespace can smuggle extra arguments or protocol lines.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(url) || /\s/u.test(url)) refuse(url, 'it contains whitespace or control characters');
  if (ENCODED_CONTROL.test(url)) refuse(url, 'it contains percent-encoded control characters');
  // A leading dash would be read as an option by git, ssh or svn.
  if (url.startsWith('-')) refuse(url, 'it starts with "-"');
  if (TRANSPORT_HELPER.test(url)) refuse(url, 'transport helper URLs ("<transport>::<address>") are not allowed');

  const scheme = SCHEME_URL.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) return checkSchemeUrl(url, scheme, policy);
  if (url.startsWith('/')) return checkLocal(url, url, policy);

  const scp = SCP_LIKE.exec(url);
  if (scp !== null) {
    const [, user, host = '', path = ''] = scp;
    if (host.startsWith('-') || (user ?? '').startsWith('-')) refuse(url, 'the host and user must not start with "-"');
    if (path === '') refuse(url, 'it has no repository path');
    checkProtocol(url, 'ssh', policy);
    return { kind: 'remote', protocol: 'ssh' };
  }
  if (url.includes(':')) refuse(url, 'it is not a URL git understands');
  refuse(url, 'relative paths are not allowed; give an absolute path or a URL');
}

/**
 * Removes the password from a URL's userinfo for display (`https://u:p@h/x` -> `https://u@h/x`).
 * Anything that is not a scheme URL with userinfo is returned unchanged.
 */
export function redactUrl(url: string): string {
  const scheme = SCHEME_URL.exec(url);
  if (scheme === null) return url;
  const start = scheme[0].length;
  const rest = url.slice(start);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  if (at === -1) return url;
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon === -1) return url;
  return url.slice(0, start) + userinfo.slice(0, colon) + rest.slice(at);
}

/** Replaces every `scheme://user:password@` in free text (for example git's stderr). */
export function redactUrlsInText(text: string): string {
  return text.replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s/@:]*):[^\s/@]*@/g, '$1$2@');
}

/**
 * The ssh host a repository URL reaches, as known_hosts names it (`host`, or `[host]:port` when
 * the port is not 22), or null when the URL does not use ssh (ssh://, git+ssh://, svn+ssh://,
 * scp-like `user@host:path`).
 */
export function sshHostOf(url: string): { host: string; port: number; pattern: string } | null {
  const scheme = SCHEME_URL.exec(url)?.[1]?.toLowerCase();
  let host: string;
  let port = 22;
  if (scheme !== undefined) {
    const protocol = SCHEME_ALIASES[scheme];
    if (protocol !== 'ssh' && protocol !== 'svn+ssh') return null;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return null;
    }
    host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    if (parsed.port !== '') port = Number(parsed.port);
  } else {
    if (url.startsWith('/')) return null;
    const scp = SCP_LIKE.exec(url);
    if (scp === null) return null;
    host = (scp[2] ?? '').replace(/^\[(.*)\]$/, '$1');
  }
  if (host === '') return null;
  const pattern = port === 22 ? host : `[${host}]:${port}`;
  return { host, port, pattern };
}

// The port each remote protocol connects to when the URL names none.
const DEFAULT_PORTS: Readonly<Record<string, number>> = { https: 443, http: 80, ssh: 22, git: 9418, svn: 3690, 'svn+ssh': 22 };

/**
 * The host and port a repository URL connects to (scheme URLs, scp-like `user@host:path`), or
 * null for what reaches no network (file:// URLs, absolute paths) or what is not a URL.
 * IPv6 literals come without brackets.
 */
export function networkTargetOf(url: string): { host: string; port: number } | null {
  const scheme = SCHEME_URL.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    const protocol = SCHEME_ALIASES[scheme];
    if (protocol === undefined) return null;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return null;
    }
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    if (host === '') return null;
    return { host, port: parsed.port === '' ? (DEFAULT_PORTS[protocol] ?? 0) : Number(parsed.port) };
  }
  const ssh = sshHostOf(url);
  return ssh === null ? null : { host: ssh.host, port: ssh.port };
}
