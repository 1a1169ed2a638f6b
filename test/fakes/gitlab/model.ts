// The fake GitLab's data model: plain records the state holds and the routes render, and
// GitLab's access levels (Gitlab::Access) with their role names.

export const ACCESS_LEVELS = [5, 10, 15, 20, 30, 40, 50] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];
export const ROLE_NAME: Record<number, string> = {
  0: 'No access',
  5: 'Minimal Access',
  10: 'Guest',
  15: 'Planner',
  20: 'Reporter',
  30: 'Developer',
  40: 'Maintainer',
  50: 'Owner',
};
export const GUEST = 10;
export const REPORTER = 20;
export const MAINTAINER = 40;
export const OWNER = 50;

export type UserState = 'active' | 'blocked' | 'deactivated';
export type Visibility = 'private' | 'internal' | 'public';
export const VISIBILITY_LEVEL: Record<Visibility, number> = { private: 0, internal: 10, public: 20 };
export type Tier = 'free' | 'premium';
export type TokenKind = 'personal' | 'group' | 'project' | 'oauth';

export interface User {
  readonly id: number;
  username: string;
  name: string;
  email: string;
  state: UserState;
  admin: boolean;
  bot: boolean;
  createdAt: string;
}

export interface Token {
  readonly token: string;
  readonly userId: number;
  kind: TokenKind;
  scopes: string[];
  /** ISO date; the token answers 401 after it. */
  expiresAt: string | null;
  revoked: boolean;
}

export interface Membership {
  level: AccessLevel;
  expiresAt: string | null;
  createdAt: string;
  createdBy: number | null;
}

/** A group invited into a group or project with a maximum level. */
export interface Share {
  groupId: number;
  level: AccessLevel;
  expiresAt: string | null;
}

export interface Group {
  readonly id: number;
  name: string;
  path: string;
  parentId: number | null;
  visibility: Visibility;
  description: string;
  createdAt: string;
  /** user id -> direct membership */
  members: Map<number, Membership>;
  /** groups shared into this group (shared_with_groups) */
  shares: Share[];
}

export interface Project {
  readonly id: number;
  name: string;
  path: string;
  namespaceId: number;
  description: string | null;
  defaultBranch: string;
  visibility: Visibility;
  archived: boolean;
  createdAt: string;
  lastActivityAt: string;
  /** The bare repository on disk (named by id). */
  readonly gitDir: string;
  members: Map<number, Membership>;
  shares: Share[];
}

export type HookAlertStatus = 'executable' | 'temporarily_disabled' | 'disabled';

/** Event flags a hook subscribes to (GitLab's boolean *_events attributes). */
export const HOOK_EVENT_FLAGS = [
  'push_events',
  'tag_push_events',
  'merge_requests_events',
  'repository_update_events',
  'issues_events',
  'confidential_issues_events',
  'note_events',
  'confidential_note_events',
  'pipeline_events',
  'wiki_page_events',
  'deployment_events',
  'feature_flag_events',
  'job_events',
  'releases_events',
  'milestone_events',
  'emoji_events',
  'resource_access_token_events',
  'vulnerability_events',
] as const;
/** Flags only group hooks have. */
export const GROUP_HOOK_FLAGS = ['subgroup_events', 'member_events', 'project_events'] as const;

export interface Hook {
  readonly id: number;
  readonly scope: 'project' | 'group';
  /** project id or group id */
  readonly ownerId: number;
  url: string;
  name: string;
  description: string;
  /** The secret sent verbatim as X-Gitlab-Token ('' for none). */
  token: string;
  events: Record<string, boolean>;
  enableSslVerification: boolean;
  pushEventsBranchFilter: string;
  branchFilterStrategy: 'wildcard' | 'regex' | 'all_branches';
  alertStatus: HookAlertStatus;
  disabledUntil: string | null;
  /** A stable UUID per hook (X-Gitlab-Webhook-UUID). */
  readonly uuid: string;
  createdAt: string;
}

/** GitLab's timestamps in API entities: ISO 8601 with milliseconds and Z. */
export function isoNow(ms = Date.now()): string {
  return new Date(ms).toISOString();
}
