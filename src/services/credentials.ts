// Stored credentials for reaching repositories: HTTP basic, SSH keys (with pinned host keys)
// and API/code tokens. Secrets are sealed with the instance key and never shown back.
import { and, eq } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Tx } from '../db/client.js';
import { credentials } from '../db/schema.js';
import { writeAudit } from '../db/repos/audit.js';
import { AppError } from '../domain/errors.js';
import type { VcsCredential } from '../vcs/types.js';
import type { SecretBox } from './secrets.js';
import { getOrg } from './orgs.js';

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

export function addCredential(db: Tx, box: SecretBox, orgName: string, name: string, input: CredentialInput, actor: string): { id: number; info: Record<string, string> } {
  if (!NAME_RE.test(name)) throw new AppError('BAD_REQUEST', `credential name "${name}" must be letters, digits, dots, dashes or underscores`);
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
  return db.transaction((tx) => {
    const org = getOrg(tx, orgName);
    const exists = tx.select({ id: credentials.id }).from(credentials).where(and(eq(credentials.orgId, org.id), eq(credentials.name, name))).get();
    if (exists) throw new AppError('CREDENTIAL_EXISTS', `organization "${orgName}" already has a credential named "${name}"`);
    const now = Date.now();
    const secret = box.seal(JSON.stringify(input), purpose(org.id, name));
    const row = tx
      .insert(credentials)
      .values({ orgId: org.id, name, type: input.type, secret, info, createdAt: now, updatedAt: now })
      .returning({ id: credentials.id })
      .get();
    writeAudit(tx, { orgId: org.id, actor, action: 'credential.add', target: name, details: { type: input.type, ...info } });
    return { id: row.id, info };
  });
}

export function findCredentialId(db: Tx, orgId: number, name: string): number {
  const row = db.select({ id: credentials.id }).from(credentials).where(and(eq(credentials.orgId, orgId), eq(credentials.name, name))).get();
  if (!row) throw new AppError('CREDENTIAL_NOT_FOUND', `no credential named "${name}" in this organization (add it with: packyard credential add)`);
  return row.id;
}

/** Decrypts a credential for a VCS driver; the result lives only in memory. */
export function loadVcsCredential(db: Tx, box: SecretBox, id: number): { name: string; credential: VcsCredential } {
  const row = db.select().from(credentials).where(eq(credentials.id, id)).get();
  if (!row) throw new AppError('CREDENTIAL_NOT_FOUND', `credential ${id} no longer exists`);
  const input = JSON.parse(box.open(row.secret, purpose(row.orgId, row.name))) as CredentialInput;
  return { name: row.name, credential: input as VcsCredential };
}
