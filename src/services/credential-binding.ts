// Where a credential may go: attaching one to a package (an owner's action) binds a credential
// that has no hosts yet to the package URL's host and refuses a URL on any other host; at
// start-up, credentials stored before hosts existed are bound once to their packages' hosts.
import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { credentials, packages } from '../db/schema.js';
import { writeAudit } from '../db/repos/audit.js';
import { AppError } from '../domain/errors.js';
import { hostIsBound, hostMismatch, urlHost } from '../vcs/credential-hosts.js';

/** The actor recorded for bindings made by an upgrade (no person chose them). */
export const UPGRADE_ACTOR = 'system:upgrade';

/**
 * Resolves the credential a package is to use (inside the caller's transaction): binds it to
 * the URL's host when it has none yet (audited), refuses with CREDENTIAL_HOST_MISMATCH when the
 * URL's host is not among its hosts. Local paths carry no host: nothing is bound or checked.
 * The caller has checked `package:credential` (owners and instance admins).
 */
export function attachCredential(tx: Tx, org: { id: number; name: string }, credentialName: string, url: string, actor: string): number {
  const row = tx.select().from(credentials).where(and(eq(credentials.orgId, org.id), eq(credentials.name, credentialName))).get();
  if (!row) {
    throw new AppError('CREDENTIAL_NOT_FOUND', `no credential named "${credentialName}" in this organization (add it with: packyard credential add)`);
  }
  const target = urlHost(url);
  if (target === null) return row.id;
  if (row.hosts.length === 0) {
    tx.update(credentials).set({ hosts: [target.normal], updatedAt: Date.now() }).where(eq(credentials.id, row.id)).run();
    writeAudit(tx, { orgId: org.id, actor, action: 'credential.hosts', target: row.name, details: { hosts: [target.normal], previous: [], reason: `attached to ${url}` } });
    return row.id;
  }
  if (!hostIsBound(target, row.hosts)) throw hostMismatch(row.name, target, row.hosts, org.name);
  return row.id;
}

/**
 * Binds every credential that has no hosts but is used by packages to the hosts of those
 * packages' URLs (once: afterwards its list is not empty), so an upgrade keeps updates working.
 * Audited per credential. Returns how many credentials were bound.
 */
export function bindUnboundCredentials(db: Tx, actor = UPGRADE_ACTOR): number {
  // Every CLI command and server start passes here: a read decides, so that the write lock is
  // taken only on the one start that has something to bind.
  const pending = db
    .select({ id: credentials.id })
    .from(credentials)
    .innerJoin(packages, eq(packages.credentialId, credentials.id))
    .where(sql`${credentials.hosts} = '[]'`)
    .limit(1)
    .get();
  if (pending === undefined) return 0;
  return db.transaction((tx) => {
    const unbound = tx
      .select({ id: credentials.id, orgId: credentials.orgId, name: credentials.name, hosts: credentials.hosts })
      .from(credentials)
      .all()
      .filter((c) => c.hosts.length === 0);
    let bound = 0;
    for (const c of unbound) {
      const urls = tx.select({ url: packages.url }).from(packages).where(eq(packages.credentialId, c.id)).all();
      const hosts = [...new Set(urls.map((p) => urlHost(p.url)?.normal).filter((h): h is string => h !== undefined))];
      if (hosts.length === 0) continue;
      tx.update(credentials).set({ hosts, updatedAt: Date.now() }).where(eq(credentials.id, c.id)).run();
      writeAudit(tx, { orgId: c.orgId, actor, action: 'credential.hosts', target: c.name, details: { hosts, previous: [], reason: 'bound to the hosts of the packages that used it before credentials had hosts' } });
      bound += 1;
    }
    return bound;
  });
}
