// A package's generic hook URL (PUBLIC_URL/hooks/generic/TOKEN): a new random token is stored
// twice, hashed (how a delivery finds its package, src/domain/hook-tokens.ts) and sealed with the
// instance's SecretBox (like credentials) so that the package page can show the URL again to
// those who may manage the package. Tokens made before migration 0009, or by a sync (which has
// no box), have only the hash: their URL cannot be shown until replaced.
import { eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import type { Tx } from '../db/client.js';
import { packages } from '../db/schema.js';
import { writeAudit } from '../db/repos/audit.js';
import { AppError } from '../domain/errors.js';
import { hashHookToken } from '../domain/hook-tokens.js';
import type { SecretBox } from './secrets.js';

/** The SecretBox purpose of sealed hook tokens (bound as AAD: a sealed credential does not open as one). */
const PURPOSE = 'package hook token';

export interface HookTokenColumns {
  hookTokenHash: string;
  hookTokenSealed: Buffer | null;
}

/** A new token (192 random bits) and the columns that store it; sealed only when a box is given. */
export function newHookToken(box?: Pick<SecretBox, 'seal'>): { token: string; columns: HookTokenColumns } {
  const token = randomBytes(24).toString('base64url');
  return { token, columns: { hookTokenHash: hashHookToken(token), hookTokenSealed: box ? box.seal(token, PURPOSE) : null } };
}

export function hookUrlOf(publicUrl: string, token: string): string {
  return `${publicUrl}/hooks/generic/${token}`;
}

/**
 * The token of a stored row, or null when only its hash is stored (or the seal does not open:
 * another secret_key, a damaged value) or it no longer matches the hash; never throws.
 */
export function openHookToken(box: Pick<SecretBox, 'open'>, row: { hookTokenHash: string | null; hookTokenSealed: Buffer | null }): string | null {
  if (row.hookTokenSealed === null || row.hookTokenHash === null) return null;
  try {
    const token = box.open(row.hookTokenSealed, PURPOSE);
    return hashHookToken(token) === row.hookTokenHash ? token : null;
  } catch {
    return null;
  }
}

/** Replaces a package's hook token (audited); the old URL stops working at once. Returns the new token. */
export function rotateHookToken(db: Tx, box: Pick<SecretBox, 'seal'>, packageId: number, actor: string): string {
  const { token, columns } = newHookToken(box);
  db.transaction((tx) => {
    const pkg = tx.select({ orgId: packages.orgId, name: packages.name, url: packages.url }).from(packages).where(eq(packages.id, packageId)).get();
    if (!pkg) throw new AppError('PACKAGE_NOT_FOUND', `package ${packageId} does not exist`);
    tx.update(packages).set(columns).where(eq(packages.id, packageId)).run();
    writeAudit(tx, { orgId: pkg.orgId, actor, action: 'package.hook-rotate', target: pkg.name ?? pkg.url });
  });
  return token;
}

/** What the package page can say about a package's hook URL. */
export type StoredHookUrl = { state: 'none' } | { state: 'hash-only' } | { state: 'shown'; url: string };

/** The stored hook URL of a package, opened for those who may manage it (callers decide that). */
export function storedHookUrl(db: Tx, box: Pick<SecretBox, 'open'>, publicUrl: string, packageId: number): StoredHookUrl {
  const row = db.select({ hookTokenHash: packages.hookTokenHash, hookTokenSealed: packages.hookTokenSealed }).from(packages).where(eq(packages.id, packageId)).get();
  if (!row || row.hookTokenHash === null) return { state: 'none' };
  const token = openHookToken(box, row);
  return token === null ? { state: 'hash-only' } : { state: 'shown', url: hookUrlOf(publicUrl, token) };
}
