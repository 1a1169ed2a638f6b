// The fake GHES's data model: plain records the state holds and the routes render.

import type { KeyObject } from 'node:crypto';

export const REPO_ROLES = ['pull', 'triage', 'push', 'maintain', 'admin'] as const;
export type RepoRole = (typeof REPO_ROLES)[number];
export type OrgRole = 'admin' | 'member';
export type TeamRole = 'member' | 'maintainer';
export type Visibility = 'private' | 'internal' | 'public';
export type DefaultPermission = 'read' | 'write' | 'admin' | 'none';

export interface User {
  readonly id: number;
  login: string;
  name: string | null;
  email: string | null;
  siteAdmin: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface Org {
  readonly id: number;
  login: string;
  name: string;
  description: string | null;
  defaultRepositoryPermission: DefaultPermission;
  /** user id -> role */
  members: Map<number, OrgRole>;
  /** custom repository role name -> base role */
  customRoles: Map<string, RepoRole>;
  createdAt: string;
  updatedAt: string;
}

export interface Team {
  readonly id: number;
  readonly orgId: number;
  slug: string;
  name: string;
  description: string | null;
  privacy: 'closed' | 'secret';
  parentId: number | null;
  /** user id -> role (direct membership only) */
  members: Map<number, TeamRole>;
  /** repo id -> role name (pull … admin or a custom role) */
  grants: Map<number, string>;
  createdAt: string;
  updatedAt: string;
}

export interface Repo {
  readonly id: number;
  readonly orgId: number;
  name: string;
  description: string | null;
  visibility: Visibility;
  archived: boolean;
  defaultBranch: string;
  /** The bare repository on disk (named by id, so renames keep the path). */
  readonly gitDir: string;
  /** user id -> role name */
  collaborators: Map<number, string>;
  createdAt: string;
  updatedAt: string;
  pushedAt: string;
}

export interface Hook {
  readonly id: number;
  readonly orgId: number;
  name: string;
  active: boolean;
  events: string[];
  config: { url: string; content_type: string; insecure_ssl: string; secret?: string };
  createdAt: string;
  updatedAt: string;
}

export interface App {
  readonly appId: number;
  /** GitHub accepts the client id as the JWT's `iss` too. */
  readonly clientId: string;
  slug: string;
  /** The org that owns the app registration (null: the first org). */
  owner: string | null;
  createdAt: string;
  publicKey: KeyObject;
  privateKeyPem: string;
}

export interface Installation {
  readonly id: number;
  readonly appId: number;
  readonly orgId: number;
  createdAt: string;
}

export type Principal =
  | { kind: 'user'; user: User; scopes: string[] | null; token: string }
  | { kind: 'installation'; installation: Installation; token: string };

export const LEVEL: Record<RepoRole, number> = { pull: 1, triage: 2, push: 3, maintain: 4, admin: 5 };
export const DEFAULT_TO_ROLE: Record<DefaultPermission, RepoRole | null> = { read: 'pull', write: 'push', admin: 'admin', none: null };

/** GitHub's timestamps: ISO 8601 in UTC without milliseconds. */
export function isoNow(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function slugify(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

