// Organization name rules: the name is the first path segment of the repository URL, so it
// must not collide with the product's own top-level routes.

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
