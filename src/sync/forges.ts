// One Forge per configured integration, built on first use and kept for the process; and the
// webhook secret of each integration (the configured one, or one generated and stored sealed).
// The installed hooks' state (and the secret each was last set with): hooks.ts.
import { and, eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import type { IntegrationConfig } from '../config/schema.js';
import type { Db } from '../db/client.js';
import { forgeHttpCache, integrationState } from '../db/schema.js';
import { forgeMetricsHook, type EtagStore } from '../forges/http-support.js';
import { createForge } from '../forges/registry.js';
import { AppError } from '../domain/errors.js';
import type { Forge } from '../forges/types.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { SecretBox } from '../services/secrets.js';

export interface ForgeContext {
  log: Logger;
  metrics: Metrics;
  db: Db;
}

export type ForgeFactory = (integration: IntegrationConfig, ctx: ForgeContext) => Forge;

/**
 * Conditional-request cache in SQLite: shared by the CLI and the server, so a `packyard sync`
 * after the scheduled one revalidates with ETags (304s do not count against GitHub's rate limit).
 */
export function sqliteEtagStore(db: Db, integration: string): EtagStore {
  return {
    get(url) {
      const row = db.select().from(forgeHttpCache).where(and(eq(forgeHttpCache.integration, integration), eq(forgeHttpCache.url, url))).get();
      return row ? { etag: row.etag, body: row.body, link: row.link } : undefined;
    },
    set(url, etag, body, link) {
      const values = { integration, url, etag, body, link: link ?? null, storedAt: Date.now() };
      try {
        db.insert(forgeHttpCache).values(values).onConflictDoUpdate({ target: [forgeHttpCache.integration, forgeHttpCache.url], set: values }).run();
      } catch {
        // A busy database only costs a full response next time.
      }
    },
  };
}

/** The retry backoff of the forge HTTP client (default: its own, 500 ms doubling to 15 s). */
export interface ForgeBackoff {
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/** The forge registry's forge, with metrics and the SQLite ETag cache (and a backoff, for tests). */
export function forgeFactoryWith(backoff?: ForgeBackoff): ForgeFactory {
  return (integration, ctx) =>
    createForge(integration, {
      log: ctx.log,
      metrics: forgeMetricsHook(ctx.metrics),
      etagStore: sqliteEtagStore(ctx.db, integration.id),
      ...(backoff ? { http: { backoffBaseMs: backoff.backoffBaseMs, backoffMaxMs: backoff.backoffMaxMs } } : {}),
    });
}

export const defaultForgeFactory: ForgeFactory = forgeFactoryWith();

export class ForgeProvider {
  private readonly built = new Map<string, Forge>();

  constructor(
    private readonly integrations: readonly IntegrationConfig[],
    private readonly factory: ForgeFactory,
    private readonly ctx: ForgeContext,
  ) {}

  /** Every configured integration's id, in configuration order. */
  ids(): string[] {
    return this.integrations.map((i) => i.id);
  }

  config(id: string): IntegrationConfig {
    const found = this.integrations.find((i) => i.id === id);
    if (!found) throw new AppError('NOT_FOUND', `no integration with id "${id}" is configured`, { integration: id });
    return found;
  }

  /** Releases the built forges' connections (forges with a close(), e.g. keep-alive sockets). */
  close(): void {
    for (const forge of this.built.values()) (forge as Forge & { close?: () => void }).close?.();
    this.built.clear();
  }

  get(id: string): Forge {
    let forge = this.built.get(id);
    if (!forge) {
      forge = this.factory(this.config(id), this.ctx);
      this.built.set(id, forge);
    }
    return forge;
  }
}

/** The secret webhooks of `integration` are signed with: from the config, else generated once and stored sealed. */
export function webhookSecret(db: Db, box: SecretBox, integration: IntegrationConfig): string;
/** With `report`: also whether this call generated it (the forge's hook must then get the new secret). */
export function webhookSecret(db: Db, box: SecretBox, integration: IntegrationConfig, opts: { report: true }): { value: string; generated: boolean };
export function webhookSecret(db: Db, box: SecretBox, integration: IntegrationConfig, opts?: { report: true }): string | { value: string; generated: boolean } {
  const out = (value: string, generated: boolean) => (opts?.report ? { value, generated } : value);
  if (integration.webhook_secret !== undefined) return out(integration.webhook_secret, false);
  const purpose = `webhook-secret:${integration.id}`;
  const row = db.select().from(integrationState).where(eq(integrationState.integration, integration.id)).get();
  if (row?.webhookSecret) return out(box.open(row.webhookSecret, purpose), false);
  const secret = randomBytes(32).toString('base64url');
  const sealed = box.seal(secret, purpose);
  const now = Date.now();
  db.insert(integrationState).values({ integration: integration.id, webhookSecret: sealed, hooks: {}, updatedAt: now })
    .onConflictDoNothing().run();
  // Another process may have won the race: use whatever is stored now.
  const stored = db.select().from(integrationState).where(eq(integrationState.integration, integration.id)).get();
  return out(stored?.webhookSecret ? box.open(stored.webhookSecret, purpose) : secret, true);
}
