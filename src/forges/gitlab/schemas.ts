// TypeBox shapes of the GitLab REST v4 answers and webhook payloads Packyard reads (extra fields
// allowed), taken from GitLab's API documentation: groups, members, projects, project hooks and
// group hooks, the current user, and the Push, Tag Push, Release, Member, Subgroup and Project
// hook payloads. Every answer is checked here; a wrong shape is ForgeError 'invalid'.
import { Type, type Static, type TSchema } from 'typebox';

const Id = Type.Integer({ minimum: 0 });
const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Opt = <T extends TSchema>(s: T) => Type.Optional(Nullable(s));

export const GroupSchema = Type.Object({
  id: Id,
  name: Type.String(),
  path: Type.String(),
  full_path: Type.String({ minLength: 1 }),
  parent_id: Opt(Id),
});

/** A row of /groups/:id/members/all or /projects/:id/members. */
export const MemberSchema = Type.Object({
  id: Id,
  username: Type.String(),
  name: Opt(Type.String()),
  state: Type.String(),
  access_level: Type.Integer(),
  email: Opt(Type.String()),
});

export const ShareSchema = Type.Object({
  group_id: Id,
  group_full_path: Type.String(),
  group_access_level: Type.Integer(),
});

export const ProjectSchema = Type.Object({
  id: Id,
  path: Type.String(),
  path_with_namespace: Type.String({ minLength: 1 }),
  default_branch: Opt(Type.String()),
  visibility: Type.Union([Type.Literal('private'), Type.Literal('internal'), Type.Literal('public')]),
  archived: Type.Optional(Type.Boolean()),
  empty_repo: Type.Optional(Type.Boolean()),
  http_url_to_repo: Type.String({ minLength: 1 }),
  ssh_url_to_repo: Opt(Type.String()),
  last_activity_at: Opt(Type.String()),
  namespace: Type.Object({ id: Id, full_path: Type.String(), kind: Type.Optional(Type.String()) }),
  shared_with_groups: Type.Optional(Type.Array(ShareSchema)),
});

export const HookSchema = Type.Object({
  id: Id,
  url: Type.String(),
  push_events: Type.Optional(Type.Boolean()),
  tag_push_events: Type.Optional(Type.Boolean()),
  releases_events: Type.Optional(Type.Boolean()),
  member_events: Type.Optional(Type.Boolean()),
  subgroup_events: Type.Optional(Type.Boolean()),
  project_events: Type.Optional(Type.Boolean()),
  enable_ssl_verification: Type.Optional(Type.Boolean()),
  alert_status: Opt(Type.String()),
});

export const UserSchema = Type.Object({
  id: Id,
  username: Type.String(),
  name: Opt(Type.String()),
  email: Opt(Type.String()),
  state: Type.Optional(Type.String()),
});

export type GlGroup = Static<typeof GroupSchema>;
export type GlMember = Static<typeof MemberSchema>;
export type GlProject = Static<typeof ProjectSchema>;
export type GlHook = Static<typeof HookSchema>;
export type GlUser = Static<typeof UserSchema>;

// Webhook payloads: only what the mapping reads.
const HookProject = Type.Object({ id: Type.Optional(Id), path_with_namespace: Type.String() });

export const PushPayload = Type.Object({ ref: Type.String(), after: Type.String(), project_id: Id, project: HookProject });
export const ReleasePayload = Type.Object({ action: Type.String(), project: Type.Object({ id: Id, path_with_namespace: Type.String() }) });
export const MemberPayload = Type.Object({ event_name: Type.String(), group_id: Id, user_id: Id });
export const SubgroupPayload = Type.Object({ event_name: Type.String(), group_id: Id });
export const ProjectPayload = Type.Object({ event_name: Type.String(), project_id: Id, path_with_namespace: Type.String() });

export { firstProblem } from '../forge-deps.js';

/** GitLab's name of an access level (Gitlab::Access), shown in grant labels. */
export function levelName(level: number): string {
  const names: Record<number, string> = { 0: 'No access', 5: 'Minimal Access', 10: 'Guest', 15: 'Planner', 20: 'Reporter', 30: 'Developer', 40: 'Maintainer', 50: 'Owner', 60: 'Admin' };
  return names[level] ?? `access level ${level}`;
}

/** Reporter: the lowest level that reads code. */
export const READ_LEVEL = 20;
export const MAINTAINER_LEVEL = 40;
export const OWNER_LEVEL = 50;
