// Where package URLs may connect: resolves a URL's host (every A/AAAA address) and refuses it when
// an address is in vcs.denied_networks; then opens (and closes) a TCP connection within
// vcs.connect_timeout_seconds, so an address that never answers fails fast; remembers hosts that
// failed to connect so background updates wait instead of taking a job slot (the queue's backoff).
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';
import { AppError } from '../domain/errors.js';
import { deniedBy, parseCidr, type Cidr } from '../domain/cidr.js';
import { networkTargetOf, redactUrl } from './url.js';
import type { Driver } from './types.js';

export interface NetworkTarget {
  host: string;
  port: number;
  addresses: string[];
}

export interface NetworkGuardOptions {
  deniedNetworks: readonly string[];
  connectTimeoutMs: number;
  /** All addresses of a host name (tests substitute one); default: the system resolver. */
  resolve?: (host: string) => Promise<string[]>;
  /** How long a host that failed to connect makes background updates wait: first, and at most. */
  failingBackoffMs?: { first: number; max: number };
  now?: () => number;
}

const systemResolve = async (host: string): Promise<string[]> =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

const isIpLiteral = (host: string): boolean => /^[\d.]+$/.test(host) || host.includes(':');

export class NetworkGuard {
  private readonly denied: Cidr[];
  private readonly resolveHost: (host: string) => Promise<string[]>;
  private readonly failing = new Map<string, { until: number; failures: number }>();
  private readonly backoff: { first: number; max: number };
  private readonly now: () => number;

  constructor(private readonly opts: NetworkGuardOptions) {
    // load.ts refused invalid entries at start-up.
    this.denied = opts.deniedNetworks.map((c) => parseCidr(c)).filter((c): c is Cidr => c !== null);
    this.resolveHost = opts.resolve ?? systemResolve;
    this.backoff = opts.failingBackoffMs ?? { first: 30_000, max: 10 * 60_000 };
    this.now = opts.now ?? Date.now;
  }

  /**
   * Resolves the URL's host and throws VCS_URL_DENIED when any address is in a denied network.
   * Returns null for URLs that reach no network (file://, local paths). A name that does not
   * resolve throws VCS_ERROR, unless `unresolved` is 'allow' (adding a package: the first fetch
   * checks again).
   */
  async check(url: string, opts: { unresolved?: 'allow' | 'refuse' } = {}): Promise<NetworkTarget | null> {
    const target = networkTargetOf(url);
    if (target === null) return null;
    const { host, port } = target;
    let addresses: string[];
    if (isIpLiteral(host)) addresses = [host];
    // localhost is loopback whatever the resolver says (RFC 6761).
    else if (host.toLowerCase() === 'localhost' || host.toLowerCase().endsWith('.localhost')) addresses = ['127.0.0.1', '::1'];
    else {
      try {
        addresses = await this.resolveWithin(host);
      } catch (e) {
        if (opts.unresolved === 'allow') return { host, port, addresses: [] };
        throw new AppError('VCS_ERROR', `Could not resolve the host ${host} of ${redactUrl(url)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the host name and DNS.`, { url: redactUrl(url), host });
      }
    }
    for (const address of addresses) {
      const net = deniedBy(this.denied, address);
      if (net !== null) {
        throw new AppError(
          'VCS_URL_DENIED',
          `Refused: ${host} resolves to ${address}, which is in vcs.denied_networks (${net.text}). An admin can change the list.`,
          { url: redactUrl(url), host, address, network: net.text },
        );
      }
    }
    return { host, port, addresses };
  }

  /**
   * check(), then a TCP connection to the host within the connect timeout (closed at once), so
   * the VCS command that follows never waits the transfer timeout on an address that does not
   * answer. Records the outcome for failingUntil(). Aborting `signal` gives up at once.
   */
  async reach(url: string, signal?: AbortSignal): Promise<void> {
    const target = await this.check(url);
    if (target === null) return;
    try {
      await this.probe(url, target, signal);
      this.failing.delete(hostKey(target));
    } catch (e) {
      if (signal?.aborted) throw e; // given up, not the host's failure
      const key = hostKey(target);
      const failures = (this.failing.get(key)?.failures ?? 0) + 1;
      const wait = Math.min(this.backoff.max, this.backoff.first * 2 ** (failures - 1));
      this.failing.set(key, { until: this.now() + wait, failures });
      throw e;
    }
  }

  /** Until when background work for this URL's host should wait (a recent connect failure), or 0. */
  failingUntil(url: string): number {
    const target = networkTargetOf(url);
    if (target === null) return 0;
    const until = this.failing.get(hostKey(target))?.until ?? 0;
    return until > this.now() ? until : 0;
  }

  /** The resolver, bounded by the connect timeout (a dead DNS server is a connection that never answers). */
  private resolveWithin(host: string): Promise<string[]> {
    const ms = this.opts.connectTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEOUT' })), ms);
    });
    return Promise.race([this.resolveHost(host), late]).finally(() => clearTimeout(timer));
  }

  private probe(url: string, target: NetworkTarget, signal?: AbortSignal): Promise<void> {
    const ms = this.opts.connectTimeoutMs;
    const where = `${target.host}:${target.port}`;
    return new Promise((resolve, reject) => {
      const sockets = target.addresses.map((address) => connect({ host: address, port: target.port }));
      let pending = sockets.length;
      let lastError = '';
      let settled = false;
      const finish = (err: AppError | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        for (const s of sockets) s.destroy();
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => {
        finish(new AppError('VCS_TIMEOUT', `Could not connect to ${where} for ${redactUrl(url)} within ${ms} ms (vcs.connect_timeout_seconds); check the host name, port and network.`, { url: redactUrl(url), host: target.host }));
      }, ms);
      const onAbort = (): void => finish(new AppError('VCS_ERROR', `The connection to ${where} for ${redactUrl(url)} was given up.`, { url: redactUrl(url) }));
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      for (const s of sockets) {
        s.once('connect', () => finish(null));
        s.on('error', (e: NodeJS.ErrnoException) => {
          lastError = e.code ?? e.message;
          if (--pending === 0) {
            finish(new AppError('VCS_ERROR', `Could not connect to ${where} for ${redactUrl(url)} (${lastError}); check the host name, port and network.`, { url: redactUrl(url), host: target.host }));
          }
        });
      }
    });
  }
}

function hostKey(t: { host: string; port: number }): string {
  return `${t.host.toLowerCase()}:${t.port}`;
}

/**
 * Wraps a driver so every call that reaches the network goes through `guard.reach` first:
 * listing and mirroring always; reads, dates and archives too when the VCS reads them from the
 * server (`remoteReads`: svn has no mirror), not when they come from the local mirror.
 */
export function guardDriver(driver: Driver, guard: NetworkGuard, url: string, remoteReads: boolean, signal?: AbortSignal): Driver {
  const reach = (): Promise<void> => guard.reach(url, signal);
  return {
    type: driver.type,
    listRemote: async () => (await reach(), driver.listRemote()),
    syncMirror: async () => (await reach(), driver.syncMirror()),
    readFiles: async (requests) => (remoteReads ? await reach() : undefined, driver.readFiles(requests)),
    commitTimes: async (commits) => (remoteReads ? await reach() : undefined, driver.commitTimes(commits)),
    archive: async (commit, dest) => (remoteReads ? await reach() : undefined, driver.archive(commit, dest)),
  };
}
