// The one place that decides permissions: can(principal, action, resource). Callers load the
// facts (memberships, grants) and pass them in; this module does no I/O.

export const ACTIONS = [
  'org:read', // see the organization and the packages one may read
  'org:members', // see its members and teams: members, owners and admins, not readers of a package who are no members
  'org:manage', // settings, members, credentials, audit log
  'package:read',
  'package:update', // trigger an update
  'package:manage', // add, remove, change a package
  'package:diagnose', // see the detail of a connection error (owners and admins; never tokens)
  'package:credential', // attach or change a package's credential (where its secret is sent): owners only
  'token:create',
  'token:manage', // list and revoke the organization's tokens: its CI tokens and user tokens narrowed to it
  'member:remove', // remove a member (unsynced organizations only: a synced one takes members from its forge)
  'package:remove', // remove a package: owners and admins, not the members who may add packages
] as const;
export type Action = (typeof ACTIONS)[number];

/** Actions on the instance itself, outside any organization. */
export const INSTANCE_ACTIONS = [
  'org:create', // create an organization (synced with a forge or not)
  'org:delete', // delete an organization and everything in it
  'user:manage', // list, disable, enable and delete users
  'token:manage', // list and revoke every token of the instance
] as const;
export type InstanceAction = (typeof INSTANCE_ACTIONS)[number];

export type Principal =
  | { kind: 'user'; userId: number; isAdmin: boolean }
  | { kind: 'token'; tokenId: number; tokenKind: 'user' | 'org'; userId: number | null; orgId: number | null; scope: 'read' | 'update'; isAdmin: boolean }
  | { kind: 'system'; name: string };

/** What the caller knows about the principal within one organization. */
export interface OrgFacts {
  orgId: number;
  synced: boolean;
  /** The principal's user's role in the org, if a member. */
  role: 'owner' | 'member' | null;
  /** Packages the user may read through teams or direct grants (synced orgs). */
  grantedPackageIds: ReadonlySet<number>;
}

export interface Resource {
  org: OrgFacts;
  packageId?: number;
}

function userCanReadAll(p: { isAdmin: boolean }, org: OrgFacts): boolean {
  if (p.isAdmin) return true;
  if (org.role === 'owner') return true;
  // Members of an unsynced organization read all its packages (DESIGN.md section 3).
  return org.role === 'member' && !org.synced;
}

function tokenReachesOrg(p: Extract<Principal, { kind: 'token' }>, org: OrgFacts): boolean {
  return p.orgId === null || p.orgId === org.orgId;
}

export function canReadAllPackages(p: Principal, org: OrgFacts): boolean {
  if (p.kind === 'system') return true;
  if (p.kind === 'token') {
    if (!tokenReachesOrg(p, org)) return false;
    if (p.tokenKind === 'org') return true;
  }
  return userCanReadAll(p, org);
}

export function can(p: Principal, action: Action, r: Resource): boolean {
  if (p.kind === 'system') return true;
  const org = r.org;
  if (p.kind === 'token' && !tokenReachesOrg(p, org)) return false;
  const isMember = p.isAdmin || org.role !== null || (p.kind === 'token' && p.tokenKind === 'org');
  const readsPackage = r.packageId !== undefined && (canReadAllPackages(p, org) || org.grantedPackageIds.has(r.packageId));
  switch (action) {
    case 'org:read':
      return isMember || org.grantedPackageIds.size > 0;
    case 'org:members':
      if (p.kind === 'token') return false;
      return p.isAdmin || org.role !== null;
    case 'package:read':
      return readsPackage;
    case 'package:update':
      if (p.kind === 'token' && p.scope !== 'update') return false;
      return readsPackage;
    case 'package:credential':
      // Members of an unsynced org add packages, but a credential's secret goes where the URL
      // points: choosing that stays with those who manage the credentials.
      if (p.kind === 'token') return false;
      return p.isAdmin || org.role === 'owner';
    case 'org:manage':
    case 'package:manage':
      if (p.kind === 'token') return false;
      return p.isAdmin || org.role === 'owner' || (org.role === 'member' && !org.synced && action === 'package:manage');
    case 'package:diagnose':
      if (p.kind === 'token') return false;
      return p.isAdmin || org.role === 'owner';
    case 'token:create':
      // A reader of a synced org's package who is no member (a collaborator, a project member) may
      // hold a token narrowed to the org: it reads what they read (their grants), nothing else.
      if (p.kind === 'token') return false;
      return p.isAdmin || org.role !== null || (org.synced && org.grantedPackageIds.size > 0);
    case 'token:manage':
    case 'package:remove':
      if (p.kind === 'token') return false;
      return p.isAdmin || org.role === 'owner';
    case 'member:remove':
      if (p.kind === 'token' || org.synced) return false;
      return p.isAdmin || org.role === 'owner';
  }
}

/** Instance-wide permissions: only instance admins (users.is_admin) signed in as users. */
export function canOnInstance(p: Principal, action: InstanceAction): boolean {
  if (p.kind === 'system') return true;
  if (p.kind === 'token') return false;
  switch (action) {
    case 'org:create':
    case 'org:delete':
    case 'user:manage':
    case 'token:manage':
      return p.isAdmin;
  }
}
