// The webhook step of a sync, for any forge with the `webhooks` capability: asks the forge to
// install or repair the hooks of the source (one for the source, or one per package repository:
// the forge decides), records the state of every hook in forge_hooks (its id, the outcome, why
// it failed, a keyed fingerprint of the secret it was last set with) and sums it up in one line
// for the sync's outcome. Forges never return a hook's secret, so the fingerprints say whether
// the secret must be sent again. The settings page reads the recorded states (hookStates).
import { and, asc, eq, isNotNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { forgeHooks, forgeRepos } from '../db/schema.js';
import { isForgeError, type Forge, type ForgeRepository, type HookScope, type HookState } from '../forges/types.js';
import type { SecretBox } from '../services/secrets.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { webhookSecret, type ForgeProvider } from './forges.js';

export interface HookDeps {
  db: Db;
  box: SecretBox;
  log: Logger;
  forges: Pick<ForgeProvider, 'config'>;
  config: { server: Pick<Config['server'], 'public_url'> };
}

// Keyed (SecretBox.fingerprint): a weak configured secret cannot be guessed offline from the row.
// The same purpose as the settings rows migration 0008 carried over.
const FINGERPRINT_PURPOSE = 'webhook secret';

export function hookSecretFingerprint(box: SecretBox, secret: string): string {
  return box.fingerprint(secret, FINGERPRINT_PURPOSE);
}

/** The hook URL of an integration. */
export function hookUrl(publicUrl: string, integration: string): string {
  return `${publicUrl}/hooks/${integration}`;
}

type HookRow = typeof forgeHooks.$inferSelect;

/**
 * Whether any installed hook may hold another secret than the one with `fingerprint`. A hook that
 * never got created (failed, no id) says nothing about the secret; no row at all counts as changed.
 */
export function secretMayDiffer(rows: readonly HookRow[], fingerprint: string): boolean {
  if (rows.length === 0) return true;
  return rows.some((r) => (r.hookId !== null || r.outcome === 'unknown') && r.secretFingerprint !== fingerprint);
}

/** The repositories of `snapshotRepos` that are packages of the organization (as the applied sync left them). */
export function packageRepositories(db: Db, orgId: number, integration: string, snapshotRepos: readonly ForgeRepository[]): ForgeRepository[] {
  const ids = new Set(
    db.select({ id: forgeRepos.externalId }).from(forgeRepos)
      .where(and(eq(forgeRepos.orgId, orgId), eq(forgeRepos.integration, integration), isNotNull(forgeRepos.packageId)))
      .all().map((r) => r.id),
  );
  return snapshotRepos.filter((r) => ids.has(r.id));
}

function describe(e: unknown): string {
  if (isForgeError(e)) return `${e.message} (${e.kind})`;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Installs or repairs the hooks of `source` and records their state; returns the sync's webhook
 * outcome line. Never throws for a forge failure (the sync itself is already applied).
 */
export async function ensureSourceHooks(
  deps: HookDeps,
  forge: Forge,
  org: { id: number; name: string },
  integration: string,
  source: string,
  snapshotRepos: readonly ForgeRepository[],
): Promise<string> {
  if (!forge.webhooks) return `not installed: ${forge.displayName} (${integration}) offers no webhook installation`;
  const url = hookUrl(deps.config.server.public_url, integration);
  let secret: { value: string; generated: boolean };
  try {
    secret = webhookSecret(deps.db, deps.box, deps.forges.config(integration), { report: true });
  } catch (e) {
    return `not installed: ${describe(e)}`;
  }
  const fingerprint = hookSecretFingerprint(deps.box, secret.value);
  const known = deps.db.select().from(forgeHooks)
    .where(and(eq(forgeHooks.integration, integration), eq(forgeHooks.source, source), eq(forgeHooks.url, url))).all();
  // A generated secret is new; a configured one may have changed since a hook was set.
  const secretChanged = secret.generated || secretMayDiffer(known, fingerprint);
  const repositories = packageRepositories(deps.db, org.id, integration, snapshotRepos);

  let result: { scope: HookScope; hooks: HookState[] };
  try {
    result = await forge.webhooks.ensureWebhooks(source, repositories, url, secret.value, { secretChanged });
  } catch (e) {
    // The capability reports a hook's failure in its state; anything thrown is unexpected.
    deps.log.warn({ org: org.name, integration, err: describe(e) }, 'webhook installation failed; the scheduled sync still runs');
    return `not installed: ${describe(e)}`;
  }
  const recorded = recordHookStates(deps.db, { integration, source, url, fingerprint }, result.hooks, known);
  for (const h of recorded.filter((r) => r.outcome === 'failed')) {
    deps.log.warn({ org: org.name, integration, scope: h.scope, target: h.target, err: h.detail }, 'webhook not installed; the scheduled sync still runs');
  }
  return hookSummary(result.scope, recorded);
}

/**
 * Writes the states the forge reported (one row per hook) and forgets the rows of this source the
 * forge no longer reported (another scope, another URL, a repository that is no package now). A
 * hook created where one was recorded before was missing on the forge: recorded as repaired.
 */
export function recordHookStates(
  db: Db,
  at: { integration: string; source: string; url: string; fingerprint: string },
  states: readonly HookState[],
  known: readonly HookRow[],
  now = Date.now(),
): HookState[] {
  const prevOf = (s: HookState) => known.find((r) => r.scope === s.scope && r.target === s.target);
  const out: HookState[] = states.map((s) => {
    const prev = prevOf(s);
    if (s.outcome === 'created' && prev?.hookId) {
      return { ...s, outcome: 'repaired', detail: `hook ${prev.hookId} was gone from the forge; created hook ${s.hookId ?? '?'}` };
    }
    return s;
  });
  db.transaction((tx) => {
    const keep = new Set<number>();
    out.forEach((s, i) => {
      const prev = prevOf(states[i]!);
      const values = {
        integration: at.integration,
        source: at.source,
        scope: s.scope,
        target: s.target,
        url: at.url,
        // A failed hook keeps what was known of it: its id and the secret it had.
        hookId: s.outcome === 'failed' ? (s.hookId ?? prev?.hookId ?? null) : s.hookId,
        secretFingerprint: s.outcome === 'failed' ? (prev?.secretFingerprint ?? null) : at.fingerprint,
        outcome: s.outcome,
        detail: s.detail ?? null,
        checkedAt: now,
      };
      const row = tx.insert(forgeHooks).values(values)
        .onConflictDoUpdate({ target: [forgeHooks.integration, forgeHooks.source, forgeHooks.scope, forgeHooks.target, forgeHooks.url], set: values })
        .returning({ id: forgeHooks.id }).get();
      keep.add(row.id);
    });
    const rows = tx.select({ id: forgeHooks.id }).from(forgeHooks)
      .where(and(eq(forgeHooks.integration, at.integration), eq(forgeHooks.source, at.source))).all();
    for (const r of rows) if (!keep.has(r.id)) tx.delete(forgeHooks).where(eq(forgeHooks.id, r.id)).run();
  }, { behavior: 'immediate' });
  return out;
}

/** One line for the sync's outcome: "installed (source hook 12)", "3 repository hooks: 2 ok, 1 created". */
export function hookSummary(scope: HookScope, states: readonly HookState[]): string {
  if (scope === 'source' && states.length === 1) {
    const h = states[0]!;
    if (h.outcome === 'failed') return `not installed: ${h.detail ?? 'failed'}`;
    const word = h.outcome === 'created' ? 'installed' : h.outcome;
    return `${word} (source hook ${h.hookId ?? '?'})`;
  }
  if (states.length === 0) return scope === 'repository' ? 'no package repositories: no hooks' : 'no hooks';
  const counts = new Map<string, number>();
  for (const h of states) counts.set(h.outcome, (counts.get(h.outcome) ?? 0) + 1);
  const parts = (['ok', 'created', 'repaired', 'failed'] as const).filter((o) => counts.has(o)).map((o) => `${counts.get(o)} ${o}`);
  return `${states.length} ${scope} hook${states.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

export interface HookStateView {
  scope: HookScope;
  /** The source, or the repository's full name when Packyard knows it. */
  target: string;
  hookId: string | null;
  outcome: HookRow['outcome'];
  detail: string | null;
  checkedAt: number;
}

/** The recorded hooks of an organization's sync source, for its settings page. */
export function hookStates(db: Db, orgId: number, integration: string, source: string): HookStateView[] {
  const rows = db.select().from(forgeHooks)
    .where(and(eq(forgeHooks.integration, integration), eq(forgeHooks.source, source)))
    .orderBy(asc(forgeHooks.scope), asc(forgeHooks.target)).all();
  const names = new Map(
    db.select({ id: forgeRepos.externalId, name: forgeRepos.fullName }).from(forgeRepos)
      .where(and(eq(forgeRepos.orgId, orgId), eq(forgeRepos.integration, integration))).all().map((r) => [r.id, r.name]),
  );
  return rows.map((r) => ({
    scope: r.scope,
    target: r.scope === 'repository' ? (names.get(r.target) ?? `repository ${r.target}`) : r.target,
    hookId: r.hookId,
    outcome: r.outcome,
    detail: r.detail,
    checkedAt: r.checkedAt,
  }));
}
