// SSH host keys pinned per host. The first connection to a host without a pinned key captures the
// key the server presents (ssh2, no authentication attempted), stores it as "first-use" and writes
// an audit row; admins see it in `packyard host-key list` and `package show`, and may replace it.
// From then on ssh enforces it (StrictHostKeyChecking=yes): a changed key refuses every update
// until an admin pins the new one. ssh is never run with host key checking off.
import { asc, eq } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Tx } from '../db/client.js';
import { writeAudit } from '../db/repos/audit.js';
import { hostKeys } from '../db/schema.js';
import { AppError } from '../domain/errors.js';

export interface HostKey {
  host: string;
  keyType: string;
  key: string;
  fingerprint: string;
  source: 'first-use' | 'admin';
  createdAt: number;
}

export function fingerprintOf(keyBase64: string): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(keyBase64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/** Parses known_hosts text into (host pattern, key type, key) triples; hashed host names are refused. */
export function parseKnownHosts(text: string): Array<{ host: string; keyType: string; key: string }> {
  const out: Array<{ host: string; keyType: string; key: string }> = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    if (parts[0]?.startsWith('@')) {
      throw new AppError('BAD_REQUEST', `known_hosts line ${i + 1}: markers (${parts[0]}) are not supported`);
    }
    const [hostsField, keyType, key] = parts;
    if (!hostsField || !keyType || !key || !/^[A-Za-z0-9+/]+={0,3}$/.test(key)) {
      throw new AppError('BAD_REQUEST', `known_hosts line ${i + 1} is not "HOSTS KEYTYPE BASE64KEY"`);
    }
    for (const host of hostsField.split(',')) {
      if (host.startsWith('|')) throw new AppError('BAD_REQUEST', `known_hosts line ${i + 1}: hashed host names cannot be stored; use ssh-keyscan without -H`);
      out.push({ host, keyType, key });
    }
  });
  if (out.length === 0) throw new AppError('BAD_REQUEST', 'no host keys found in the known_hosts text');
  return out;
}

export function listHostKeys(db: Tx, host?: string): HostKey[] {
  const q = db.select().from(hostKeys);
  const rows = host === undefined ? q.orderBy(asc(hostKeys.host), asc(hostKeys.keyType)).all() : q.where(eq(hostKeys.host, host)).orderBy(asc(hostKeys.keyType)).all();
  return rows.map(({ host, keyType, key, fingerprint, source, createdAt }) => ({ host, keyType, key, fingerprint, source, createdAt }));
}

/** known_hosts lines for one host pattern, or '' when none is pinned. */
export function knownHostsFor(db: Tx, pattern: string): string {
  return listHostKeys(db, pattern)
    .map((k) => `${k.host} ${k.keyType} ${k.key}`)
    .join('\n');
}

/** Pins keys given by an admin (known_hosts text), replacing that host's keys. */
export function pinHostKeys(db: Tx, knownHosts: string, actor: string, source: 'first-use' | 'admin' = 'admin'): HostKey[] {
  const entries = parseKnownHosts(knownHosts);
  const now = Date.now();
  const hosts = new Set(entries.map((e) => e.host));
  for (const host of hosts) db.delete(hostKeys).where(eq(hostKeys.host, host)).run();
  for (const e of entries) {
    const fingerprint = fingerprintOf(e.key);
    db.insert(hostKeys).values({ host: e.host, keyType: e.keyType, key: e.key, fingerprint, source, createdAt: now })
      .onConflictDoUpdate({ target: [hostKeys.host, hostKeys.keyType], set: { key: e.key, fingerprint, source, createdAt: now } })
      .run();
    writeAudit(db, { orgId: null, actor, action: source === 'admin' ? 'host_key.pin' : 'host_key.first_use', target: e.host, details: { keyType: e.keyType, fingerprint } }, now);
  }
  return [...hosts].flatMap((h) => listHostKeys(db, h));
}

export function removeHostKeys(db: Tx, host: string, actor: string): number {
  const n = db.delete(hostKeys).where(eq(hostKeys.host, host)).run().changes;
  if (n > 0) writeAudit(db, { orgId: null, actor, action: 'host_key.remove', target: host });
  return n;
}

const loadSsh2 = (): typeof import('ssh2') => createRequire(import.meta.url)('ssh2') as typeof import('ssh2');

/**
 * Connects to an ssh server only far enough to see its host key (no authentication is attempted)
 * and returns it as "KEYTYPE BASE64". Fails with VCS_ERROR / VCS_TIMEOUT naming the host.
 */
export function captureHostKey(host: string, port: number, timeoutMs: number): Promise<{ keyType: string; key: string }> {
  const { Client } = loadSsh2();
  return new Promise((resolve, reject) => {
    const client = new Client();
    let captured: Buffer | undefined;
    let done = false;
    const finish = (err: AppError | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      client.end();
      client.destroy?.();
      if (captured) {
        const typeLen = captured.readUInt32BE(0);
        resolve({ keyType: captured.subarray(4, 4 + typeLen).toString('latin1'), key: captured.toString('base64') });
      } else {
        reject(err ?? new AppError('VCS_ERROR', `could not read the ssh host key of ${host}:${port}`));
      }
    };
    const timer = setTimeout(
      () => finish(new AppError('VCS_TIMEOUT', `the ssh server ${host}:${port} did not present a host key within ${timeoutMs} ms`)),
      timeoutMs,
    );
    client.on('error', (e: Error) => finish(new AppError('VCS_ERROR', `could not reach the ssh server ${host}:${port} to read its host key: ${e.message}`)));
    client.on('close', () => finish(null));
    client.connect({
      host,
      port,
      username: 'packyard-host-key-probe',
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        captured = Buffer.from(key);
        // Refusing ends the handshake before any authentication.
        setImmediate(() => finish(null));
        return false;
      },
    });
  });
}

/**
 * Returns the pinned known_hosts lines for `pattern`, capturing and pinning the server's key
 * first when none is pinned yet. `captured` is set when this call pinned a new key.
 */
export async function ensureHostKey(
  db: Tx,
  target: { host: string; port: number; pattern: string },
  timeoutMs: number,
): Promise<{ knownHosts: string; captured?: HostKey }> {
  const existing = knownHostsFor(db, target.pattern);
  if (existing !== '') return { knownHosts: existing };
  const { keyType, key } = await captureHostKey(target.host, target.port, timeoutMs);
  const [pinned] = pinHostKeys(db, `${target.pattern} ${keyType} ${key}`, 'packyard (first use)', 'first-use');
  return { knownHosts: knownHostsFor(db, target.pattern), ...(pinned ? { captured: pinned } : {}) };
}
