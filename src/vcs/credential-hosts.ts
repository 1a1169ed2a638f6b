// The hosts a credential is bound to: one normalisation for `--host` values, package URLs and
// what git's credential protocol sends, and the check that a URL's host is among the bound ones.
//
// Normal form: the host in lowercase (IPv6 in brackets, `[::1]`), then `:PORT` only when the URL
// names a port that is not its scheme's default. git's credential protocol sends `host` as the
// URL spells it (`host:port` when a port is written), so the helper is given every spelling it
// may see. A bound entry without a port matches the scheme's default port; one with a port
// matches that port only (so `example.com:443` and `example.com` both match `https://example.com/`).

import { AppError } from '../domain/errors.js';
import type { VcsCredential } from './types.js';

export const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  https: 443,
  http: 80,
  ssh: 22,
  'git+ssh': 22,
  'ssh+git': 22,
  git: 9418,
  svn: 3690,
  'svn+ssh': 22,
};

const SCHEME_URL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
// scp-like ssh: [user@]host:path, where no '/' comes before the first ':'.
const SCP_LIKE = /^(?:[^@/:]+@)?(\[[^\]/]+\]|[^@/:[\]]+):/;
const HOST_NAME = /^(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*\.?$/;
const IPV6 = /^[0-9a-f:.]+(?:%[a-z0-9]+)?$/;

/** Where a URL goes: its scheme (`ssh` for scp-like), the normal-form host and the effective port. */
export interface UrlHost {
  scheme: string;
  /** Lowercase host name or IP; IPv6 in brackets. */
  host: string;
  port: number;
  /** The normal form: `host`, or `host:port` when the port is not the scheme's default. */
  normal: string;
  /** The authority as the URL writes it (no user info), e.g. for hg's [auth] prefix. */
  authority: string;
}

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The host a remote URL reaches, or null for local paths and file:// URLs (no credential applies). */
export function urlHost(url: string): UrlHost | null {
  const scheme = SCHEME_URL.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme === 'file') return null;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return null;
    }
    if (parsed.hostname === '') return null;
    const host = bracket(parsed.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1'));
    const fallback = DEFAULT_PORTS[scheme] ?? 0;
    const port = parsed.port === '' ? fallback : Number(parsed.port);
    const normal = port === fallback ? host : `${host}:${port}`;
    // WHATWG URL drops a default port only for special schemes; take the authority from the text.
    const rest = url.slice(scheme.length + 3);
    const end = rest.search(/[/?#]/);
    const rawAuthority = end === -1 ? rest : rest.slice(0, end);
    const authority = rawAuthority.slice(rawAuthority.lastIndexOf('@') + 1);
    return { scheme, host, port, normal, authority };
  }
  if (url.startsWith('/')) return null;
  const scp = SCP_LIKE.exec(url);
  if (scp === null) return null;
  const host = bracket((scp[1] ?? '').toLowerCase().replace(/^\[(.*)\]$/, '$1'));
  if (host === '') return null;
  return { scheme: 'ssh', host, port: 22, normal: host, authority: host };
}

/**
 * Normalises a `--host` value (`HOST`, `HOST:PORT`, `[IPV6]:PORT`, or a URL whose host is meant).
 * Throws BAD_REQUEST for anything that is not a host.
 */
export function normalizeHostSpec(spec: string): string {
  const text = spec.trim();
  if (SCHEME_URL.test(text)) {
    const h = urlHost(text);
    if (h === null) throw new AppError('BAD_REQUEST', `The host "${spec.slice(0, 100)}" has no host name.`);
    return h.normal;
  }
  let host: string;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    host = v6[1] ?? '';
    port = v6[2];
  } else if ((text.match(/:/g) ?? []).length > 1) {
    host = text; // a bare IPv6 address
  } else {
    const m = /^([^:]+)(?::(\d+))?$/.exec(text);
    host = m?.[1] ?? '';
    port = m?.[2];
  }
  host = host.toLowerCase();
  const ok = host.includes(':') ? IPV6.test(host) : HOST_NAME.test(host);
  if (!ok || host === '') {
    throw new AppError('BAD_REQUEST', `"${spec.slice(0, 100)}" is not a host; give HOST or HOST:PORT (for example git.example.com or git.example.com:8443).`);
  }
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw new AppError('BAD_REQUEST', `The port in "${spec.slice(0, 100)}" must be between 1 and 65535.`);
  }
  const h = bracket(host);
  return port === undefined ? h : `${h}:${Number(port)}`;
}

/** Normalises and de-duplicates a list of `--host` values, keeping their order. */
export function normalizeHostList(specs: readonly string[]): string[] {
  return [...new Set(specs.map(normalizeHostSpec))];
}

function splitEntry(entry: string): { host: string; port: number | null } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
  return { host: m?.[1] ?? entry, port: m?.[2] === undefined ? null : Number(m[2]) };
}

/** True when a URL's host (and port) is among the bound hosts. */
export function hostIsBound(target: Pick<UrlHost, 'scheme' | 'host' | 'port'>, hosts: readonly string[]): boolean {
  const fallback = DEFAULT_PORTS[target.scheme] ?? 0;
  return hosts.some((entry) => {
    const e = splitEntry(entry);
    return e.host === target.host && (e.port ?? fallback) === target.port;
  });
}

/**
 * Every `host` value git's credential protocol may send for the bound hosts over `scheme`
 * (lowercased by the helper): `h` for the default port and `h:port` for each port.
 */
export function gitHostSpellings(scheme: string, hosts: readonly string[]): string[] {
  const fallback = DEFAULT_PORTS[scheme] ?? 0;
  const out = new Set<string>();
  for (const entry of hosts) {
    const e = splitEntry(entry);
    const port = e.port ?? fallback;
    out.add(`${e.host}:${port}`);
    if (port === fallback) out.add(e.host);
  }
  return [...out];
}

/** CREDENTIAL_HOST_MISMATCH naming the credential, the URL's host, the bound hosts and the fix. */
export function hostMismatch(credentialName: string | undefined, target: Pick<UrlHost, 'normal'>, hosts: readonly string[], org?: string): AppError {
  const bound = hosts.length === 0 ? 'no host yet' : hosts.join(', ');
  const orgOption = org === undefined ? '--org ORG' : `--org ${org}`;
  const name = credentialName ?? 'NAME';
  const hostOptions = [...hosts, target.normal].map((h) => `--host ${h}`).join(' ');
  return new AppError(
    'CREDENTIAL_HOST_MISMATCH',
    `${credentialName === undefined ? 'The credential' : `Credential "${credentialName}"`} is bound to ${bound}, not to ${target.normal}, so it is not sent there. ` +
      `If ${target.normal} is meant, bind it with: packyard credential update ${orgOption} ${name} ${hostOptions}.`,
    { credential: credentialName, host: target.normal, hosts: [...hosts] },
  );
}

/**
 * The credential a driver may hand out for `url`: undefined without one (or for local paths),
 * else the credential when the URL's host is bound (absent `hosts`: the URL's own host only),
 * else CREDENTIAL_HOST_MISMATCH. Every driver calls this before any secret reaches git, hg, svn or ssh.
 */
export function credentialForUrl(opts: {
  url: string;
  credential?: VcsCredential | undefined;
  credentialName?: string | undefined;
  credentialHosts?: readonly string[] | undefined;
}): { credential: VcsCredential | undefined; hosts: string[] } {
  const target = urlHost(opts.url);
  if (opts.credential === undefined || target === null) return { credential: opts.credential, hosts: [] };
  const hosts = opts.credentialHosts === undefined ? [target.normal] : [...opts.credentialHosts];
  if (!hostIsBound(target, hosts)) throw hostMismatch(opts.credentialName, target, hosts);
  return { credential: opts.credential, hosts };
}
