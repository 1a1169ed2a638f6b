// Forge identities of Packyard users: (integration, the forge's numeric id) -> user. Sync
// creates them; forge sign-in finds users by them and a signed-in user may link another one.
import { and, eq } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { identities, users } from '../db/schema.js';
import { writeAudit } from '../db/repos/audit.js';

export type IdentityRow = typeof identities.$inferSelect;
export type UserRow = typeof users.$inferSelect;

/** The user holding this forge account (matched by the stable id, never by login). */
export function findByExternalId(db: Tx, integration: string, externalId: string): { identity: IdentityRow; user: UserRow } | null {
  const row = db
    .select({ identity: identities, user: users })
    .from(identities)
    .innerJoin(users, eq(users.id, identities.userId))
    .where(and(eq(identities.integration, integration), eq(identities.externalId, externalId)))
    .get();
  return row ?? null;
}

export function identitiesOf(db: Tx, userId: number): IdentityRow[] {
  return db.select().from(identities).where(eq(identities.userId, userId)).orderBy(identities.integration, identities.id).all();
}

/** Keeps the stored login in step with the forge (a renamed account keeps its identity). */
export function refreshIdentityLogin(db: Tx, id: number, login: string): void {
  db.update(identities).set({ login }).where(eq(identities.id, id)).run();
}

export type LinkResult = 'linked' | 'already-yours' | 'taken' | 'integration-taken';

/** Links a forge account to a user unless another user holds it or the user has one on that integration. */
export function linkIdentity(db: Tx, userId: number, integration: string, externalId: string, login: string, actor: string): LinkResult {
  return db.transaction((tx) => {
    const held = findByExternalId(tx, integration, externalId);
    if (held) return held.user.id === userId ? 'already-yours' : 'taken';
    const mine = tx.select().from(identities).where(and(eq(identities.userId, userId), eq(identities.integration, integration))).get();
    if (mine) return 'integration-taken';
    tx.insert(identities).values({ userId, integration, externalId, login, createdAt: Date.now() }).run();
    writeAudit(tx, { orgId: null, actor, action: 'identity.link', target: actor, details: { integration, externalId, login } });
    return 'linked';
  });
}
