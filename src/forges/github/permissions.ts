// GitHub's repository permission vocabulary: pull < triage < push < maintain < admin, plus custom
// repository roles, which grant reading when their `permissions.pull` boolean is true. These words
// stay inside src/forges/github: the contract carries them only as a grant's `label`.

/** GitHub's built-in repository permissions, weakest first. */
export type RepoPermission = 'pull' | 'triage' | 'push' | 'maintain' | 'admin';

/** A permission on a repository as GitHub reports it (role name kept for custom roles). */
export interface GitHubGrant {
  repoId: string;
  /** Whether the grant allows reading the code (`permissions.pull`). */
  read: boolean;
  /** pull, triage, push, maintain, admin or a custom role's name. */
  roleName: string;
}

export const REPO_PERMISSIONS = ['pull', 'triage', 'push', 'maintain', 'admin'] as const satisfies readonly RepoPermission[];

export type PermissionFlags = Partial<Record<RepoPermission, boolean>>;

/** Rank of a built-in permission (pull 0 … admin 4); -1 for a custom role or anything else. */
export function permissionRank(name: string): number {
  return (REPO_PERMISSIONS as readonly string[]).indexOf(name);
}

/** Whether `name` is a built-in permission at least as strong as `min`. */
export function atLeast(name: string, min: RepoPermission): boolean {
  const r = permissionRank(name);
  return r >= 0 && r >= permissionRank(min);
}

/** The highest built-in permission whose flag is true, or null when none is. */
export function highestPermission(flags: PermissionFlags | undefined | null): RepoPermission | null {
  if (!flags) return null;
  for (let i = REPO_PERMISSIONS.length - 1; i >= 0; i--) {
    const p = REPO_PERMISSIONS[i] as RepoPermission;
    if (flags[p] === true) return p;
  }
  return null;
}

/** GitHub's `role_name` says read/write for pull/push; Packyard keeps one vocabulary. */
const ROLE_ALIASES: Record<string, RepoPermission> = { read: 'pull', write: 'push' };

/** `role_name` in the pull…admin vocabulary; custom role names are kept as they are. */
export function normalizeRoleName(roleName: string): string {
  return ROLE_ALIASES[roleName] ?? roleName;
}

/** A grant as GitHub reports it: read = `permissions.pull`; role name = `role_name` or the highest flag. */
export function grantOf(repoId: string, flags: PermissionFlags | undefined | null, roleName?: string | null): GitHubGrant {
  return {
    repoId,
    read: flags?.pull === true,
    roleName: roleName && roleName.length > 0 ? normalizeRoleName(roleName) : (highestPermission(flags) ?? 'none'),
  };
}

/** The org's base permission (read/write/admin/none, or a role name) in the pull…admin vocabulary. */
export function basePermission(value: string | null | undefined): RepoPermission | 'none' | null {
  switch (value) {
    case undefined:
    case null:
      return null;
    case 'none':
      return 'none';
    case 'read':
      return 'pull';
    case 'write':
      return 'push';
    default:
      return permissionRank(value) >= 0 ? (value as RepoPermission) : null;
  }
}

/** Whether the org's base permission lets every member read its repositories. */
export function baseReads(permission: RepoPermission | 'none' | null): permission is RepoPermission {
  return permission !== null && permission !== 'none';
}
