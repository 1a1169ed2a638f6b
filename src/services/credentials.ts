// Stored credentials for reaching repositories: HTTP basic, SSH keys (with pinned host keys)
// and API/code tokens. Secrets are sealed with the instance key and never shown back.
import { and, eq } from 'drizzle-orm';
import { createHash, X509Certificate } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Tx } from '../db/client.js';
import { credentials } from '../db/schema.js';
import { writeAudit } from '../db/repos/audit.js';
import { AppError } from '../domain/errors.js';
import type { VcsCredential } from '../vcs/types.js';
import type { SecretBox } from './secrets.js';
import { getOrg } from './orgs.js';
import { normalizeHostList } from '../vcs/credential-hosts.js';

export const CREDENTIAL_TYPES = ['http-basic', 'ssh-key', 'token'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export type CredentialInput =
  | { type: 'http-basic'; username: string; password: string }
  | { type: 'ssh-key'; privateKey: string; knownHosts?: string | undefined }
  | { type: 'token'; token: string; username?: string | undefined };

function purpose(orgId: number, name: string): string {
  return `credential:${orgId}:${name}`;
}

// ssh2 is loaded on first use: only storing a key needs it, and loading it at start-up cost every
// CLI command ~45 ms (measured by scripts/bench).
const loadSsh2 = (): typeof import('ssh2') => createRequire(import.meta.url)('ssh2') as typeof import('ssh2');

/** Checks an SSH private key and returns its public facts; refuses encrypted keys (no passphrase store). */
export function inspectPrivateKey(text: string): { keyType: string; fingerprint: string; publicKey: string } {
  const parsed = loadSsh2().utils.parseKey(text);
  if (parsed instanceof Error) throw new AppError('CREDENTIAL_INVALID', `the SSH private key cannot be read: ${parsed.message}`);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || !key.isPrivateKey()) throw new AppError('CREDENTIAL_INVALID', 'the file is not an SSH private key');
  const pub = key.getPublicSSH();
  const fingerprint = `SHA256:${createHash('sha256').update(pub).digest('base64').replace(/=+$/, '')}`;
  return { keyType: key.type, fingerprint, publicKey: `${key.type} ${pub.toString('base64')}` };
}

/** Validates known_hosts text and returns the host patterns it pins. */
export function inspectKnownHosts(text: string): string[] {
  const hosts: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    const offset = parts[0]?.startsWith('@') ? 1 : 0;
    const [hostsField, keyType, keyData] = parts.slice(offset);
    if (!hostsField || !keyType || !keyData || !/^[A-Za-z0-9+/]+={0,3}$/.test(keyData)) {
      throw new AppError('CREDENTIAL_INVALID', `known_hosts line ${i + 1} is not "HOSTS KEYTYPE BASE64KEY"`);
    }
    hosts.push(...hostsField.split(','));
  });
  if (hosts.length === 0) throw new AppError('CREDENTIAL_INVALID', 'the known_hosts file has no host keys');
  return hosts;
}

/** Generates an SSH key pair for a new credential (the public key is shown to be added as a deploy key). */
export function generateSshKey(keyType: 'ed25519' | 'rsa', comment: string): { privateKey: string; publicKey: string } {
  const pair = keyType === 'rsa'
    ? loadSsh2().utils.generateKeyPairSync('rsa', { bits: 4096, comment })
    : loadSsh2().utils.generateKeyPairSync('ed25519', { comment });
  return { privateKey: pair.private, publicKey: pair.public };
}

/** Checks a PEM bundle of CA certificates (public: stored in clear, shown on request). */
export function inspectCaPem(pem: string): { subjects: string } {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new AppError('CREDENTIAL_INVALID', 'the CA file holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  const subjects: string[] = [];
  for (const b of blocks) {
    try {
      subjects.push(new X509Certificate(b).subject.replace(/\n/g, ', '));
    } catch (e) {
      throw new AppError('CREDENTIAL_INVALID', `the CA file holds a certificate that cannot be read: ${(e as Error).message}`);
    }
  }
  return { subjects: subjects.join('; ') };
}

function credentialInfo(input: CredentialInput, caPem: string | undefined): Record<string, string> {
  let info: Record<string, string>;
  switch (input.type) {
    case 'http-basic':
      if (input.username === '') throw new AppError('CREDENTIAL_INVALID', 'the user name is empty');
      if (input.password === '') throw new AppError('CREDENTIAL_INVALID', 'the password is empty');
      info = { username: input.username };
      break;
    case 'ssh-key': {
      const k = inspectPrivateKey(input.privateKey);
      info = { keyType: k.keyType, fingerprint: k.fingerprint, publicKey: k.publicKey };
      if (input.knownHosts !== undefined) info.knownHosts = inspectKnownHosts(input.knownHosts).join(', ');
      break;
    }
    case 'token':
      if (input.token.trim() === '') throw new AppError('CREDENTIAL_INVALID', 'the token is empty');
      info = { username: input.username ?? 'x-access-token', token: `${input.token.slice(0, 4)}…` };
      break;
  }
  if (caPem !== undefined) {
    if (input.type === 'ssh-key') throw new AppError('CREDENTIAL_INVALID', 'a CA file applies to https credentials, not to ssh keys');
    info.ca = inspectCaPem(caPem).subjects;
  }
  return info;
}

export function addCredential(
  db: Tx,
  box: SecretBox,
  orgName: string,
  name: string,
  input: CredentialInput,
  actor: string,
  extra: { caPem?: string | undefined; hosts?: readonly string[] | undefined } = {},
): { id: number; info: Record<string, string>; hosts: string[] } {
  if (!NAME_RE.test(name)) throw new AppError('BAD_REQUEST', `credential name "${name}" must be letters, digits, dots, dashes or underscores`);
  const info = credentialInfo(input, extra.caPem);
  // Empty: bound to the host of the first package an owner attaches it to (credential-binding.ts).
  const hosts = normalizeHostList(extra.hosts ?? []);
  return db.transaction((tx) => {
    const org = getOrg(tx, orgName);
    const exists = tx.select({ id: credentials.id }).from(credentials).where(and(eq(credentials.orgId, org.id), eq(credentials.name, name))).get();
    if (exists) throw new AppError('CREDENTIAL_EXISTS', `organization "${orgName}" already has a credential named "${name}"`);
    const now = Date.now();
    const secret = box.seal(JSON.stringify(input), purpose(org.id, name));
    const row = tx
      .insert(credentials)
      .values({ orgId: org.id, name, type: input.type, secret, info, caPem: extra.caPem ?? null, hosts, createdAt: now, updatedAt: now })
      .returning({ id: credentials.id })
      .get();
    writeAudit(tx, { orgId: org.id, actor, action: 'credential.add', target: name, details: { type: input.type, ...info, hosts } });
    return { id: row.id, info, hosts };
  });
}

/**
 * Replaces a credential's secret (and CA) in place, e.g. a rotated password or deploy key: the
 * packages that use it keep it, and their next update uses the new secret. `hosts`, when given,
 * replaces the hosts it is bound to; without `input` only the hosts change.
 */
export function updateCredential(
  db: Tx,
  box: SecretBox,
  orgName: string,
  name: string,
  input: CredentialInput | undefined,
  actor: string,
  extra: { caPem?: string | undefined; hosts?: readonly string[] | undefined } = {},
): { id: number; info: Record<string, string>; hosts: string[] } {
  if (input === undefined && extra.hosts === undefined) {
    throw new AppError('BAD_REQUEST', `Nothing to update for credential "${name}": give a new secret or --host.`);
  }
  if (input !== undefined) credentialInfo(input, extra.caPem);
  const newHosts = extra.hosts === undefined ? undefined : normalizeHostList(extra.hosts);
  return db.transaction((tx) => {
    const org = getOrg(tx, orgName);
    const row = tx.select().from(credentials).where(and(eq(credentials.orgId, org.id), eq(credentials.name, name))).get();
    if (!row) throw new AppError('CREDENTIAL_NOT_FOUND', `organization "${orgName}" has no credential named "${name}"`);
    const hosts = newHosts ?? row.hosts;
    if (input === undefined) {
      tx.update(credentials).set({ hosts, updatedAt: Date.now() }).where(eq(credentials.id, row.id)).run();
      writeAudit(tx, { orgId: org.id, actor, action: 'credential.hosts', target: name, details: { hosts, previous: row.hosts } });
      return { id: row.id, info: row.info, hosts };
    }
    if (row.type !== input.type) {
      throw new AppError('CREDENTIAL_INVALID', `credential "${name}" is of type ${row.type}; give --type ${row.type} (or add a new credential)`);
    }
    const info = credentialInfo(input, extra.caPem ?? row.caPem ?? undefined);
    const secret = box.seal(JSON.stringify(input), purpose(org.id, name));
    tx.update(credentials).set({ secret, info, hosts, caPem: extra.caPem ?? row.caPem, updatedAt: Date.now() }).where(eq(credentials.id, row.id)).run();
    writeAudit(tx, { orgId: org.id, actor, action: 'credential.update', target: name, details: { type: input.type, ...info, hosts } });
    return { id: row.id, info, hosts };
  });
}

/** Decrypts a credential for a VCS driver; the result lives only in memory. */
export function loadVcsCredential(db: Tx, box: SecretBox, id: number): { name: string; credential: VcsCredential; caPem: string | null; hosts: string[] } {
  const row = db.select().from(credentials).where(eq(credentials.id, id)).get();
  if (!row) throw new AppError('CREDENTIAL_NOT_FOUND', `credential ${id} no longer exists`);
  const input = JSON.parse(box.open(row.secret, purpose(row.orgId, row.name))) as CredentialInput;
  return { name: row.name, credential: input as VcsCredential, caPem: row.caPem, hosts: row.hosts };
}
