// Organization name rules: the name is the first path segment of the repository URL, so it
// must not collide with the product's own top-level routes. Also the sync settings' one read path.

export const ORG_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,38}$/;

export const RESERVED_ORG_NAMES = [
  'api', 'hooks', 'login', 'logout', 'oauth', 'static', 'healthz', 'readyz', 'metrics', 'admin', 'settings', 'profile',
] as const;

/** Returns null when `name` may be used as an organization name, else the reason. */
export function validateOrgName(name: string): string | null {
  if (!ORG_NAME_PATTERN.test(name)) {
    return `organization name "${name}" must be 1 to 39 lowercase letters, digits or dashes, starting with a letter or digit`;
  }
  if ((RESERVED_ORG_NAMES as readonly string[]).includes(name)) {
    return `organization name "${name}" is reserved (${RESERVED_ORG_NAMES.join(', ')})`;
  }
  return null;
}

/**
 * What a synced organization's sync settings default to (the config's `sync:` block and a row's
 * nulls alike); config/schema.ts re-exports it for the config loader.
 */
export const ORG_SYNC_DEFAULTS = { schedule: '*/15 * * * *', auto_add_packages: true, install_webhooks: true } as const;

/** The sync settings every synced organization has; the defaults fill what its row leaves null. */
export interface OrgSyncSettings {
  integration: string;
  source: string;
  schedule: string;
  autoAddPackages: boolean;
  installWebhooks: boolean;
}

export const ORG_SYNC_DEFAULT_SETTINGS = {
  schedule: ORG_SYNC_DEFAULTS.schedule,
  autoAddPackages: ORG_SYNC_DEFAULTS.auto_add_packages,
  installWebhooks: ORG_SYNC_DEFAULTS.install_webhooks,
} as const;

/** The one read path of an organization's sync settings (its row); null when it is not synced. */
export function orgSyncSettings(row: {
  syncIntegration: string | null;
  syncSource: string | null;
  syncSchedule: string | null;
  syncAutoAddPackages: boolean | null;
  syncInstallWebhooks: boolean | null;
}): OrgSyncSettings | null {
  if (!row.syncIntegration || !row.syncSource) return null;
  return {
    integration: row.syncIntegration,
    source: row.syncSource,
    schedule: row.syncSchedule ?? ORG_SYNC_DEFAULT_SETTINGS.schedule,
    autoAddPackages: row.syncAutoAddPackages ?? ORG_SYNC_DEFAULT_SETTINGS.autoAddPackages,
    installWebhooks: row.syncInstallWebhooks ?? ORG_SYNC_DEFAULT_SETTINGS.installWebhooks,
  };
}
