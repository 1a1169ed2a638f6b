// One Forge per configured integration, built on first use and kept for the process; and the
// webhook secret of each integration (the configured one, or one generated and stored sealed).
import { eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import type { IntegrationConfig } from '../config/schema.js';
import type { Db } from '../db/client.js';
import { integrationState } from '../db/schema.js';
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

/** Replaced by the forge registry (src/forges/registry.ts) once the GitHub forge lands. */
export const defaultForgeFactory: ForgeFactory = (integration) => {
  throw new AppError('FORGE_UNAVAILABLE', `integrations of type ${integration.type} are not supported yet`, { integration: integration.id });
};

export class ForgeProvider {
  private readonly built = new Map<string, Forge>();

  constructor(
    private readonly integrations: readonly IntegrationConfig[],
    private readonly factory: ForgeFactory,
    private readonly ctx: ForgeContext,
  ) {}

  config(id: string): IntegrationConfig {
    const found = this.integrations.find((i) => i.id === id);
    if (!found) throw new AppError('NOT_FOUND', `no integration with id "${id}" is configured`, { integration: id });
    return found;
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
export function webhookSecret(db: Db, box: SecretBox, integration: IntegrationConfig): string {
  if (integration.webhook_secret !== undefined) return integration.webhook_secret;
  const purpose = `webhook-secret:${integration.id}`;
  const row = db.select().from(integrationState).where(eq(integrationState.integration, integration.id)).get();
  if (row?.webhookSecret) return box.open(row.webhookSecret, purpose);
  const secret = randomBytes(32).toString('base64url');
  const sealed = box.seal(secret, purpose);
  const now = Date.now();
  db.insert(integrationState).values({ integration: integration.id, webhookSecret: sealed, hooks: {}, updatedAt: now })
    .onConflictDoNothing().run();
  // Another process may have won the race: use whatever is stored now.
  const stored = db.select().from(integrationState).where(eq(integrationState.integration, integration.id)).get();
  return stored?.webhookSecret ? box.open(stored.webhookSecret, purpose) : secret;
}
