// Shapes transcribed from GitLab's REST and webhook documentation (docs.gitlab.com: Members API,
// Groups API, Projects API, Version API, Project webhooks API, webhook_events.md), for what the
// vendored OpenAPI subset (test/fixtures/gitlab-openapi/) does not carry or gets wrong. Used by
// gitlab-fake.test.ts, which says, for each check, that it is one of these.

type Schema = Record<string, unknown>;
const str = { type: 'string' };
const int = { type: 'integer' };
const bool = { type: 'boolean' };
const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
const obj = (required: Record<string, Schema>, optional: Record<string, Schema> = {}, closed = false): Schema => ({
  type: 'object',
  required: Object.keys(required),
  properties: { ...required, ...optional },
  ...(closed ? { additionalProperties: false } : {}),
});
const sha = { type: 'string', pattern: '^[0-9a-f]{40}$' };
const accessLevel = { type: 'integer', enum: [0, 5, 10, 15, 20, 30, 40, 50] };

const userBasicDoc = {
  id: int,
  username: str,
  name: str,
  state: { type: 'string', enum: ['active', 'blocked', 'deactivated', 'blocked_pending_approval', 'banned', 'ldap_blocked'] },
  avatar_url: nullable(str),
  web_url: str,
};

/** Members API: "List all members of a group or project" example rows. */
const member = obj(
  { ...userBasicDoc, access_level: accessLevel, created_at: str, expires_at: nullable({ type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }) },
  { public_email: nullable(str), locked: bool, created_by: obj(userBasicDoc), membership_state: str, group_saml_identity: nullable({ type: 'object' }), email: str },
  true,
);

const namespace = obj({ id: int, name: str, path: str, kind: { enum: ['group', 'user'] }, full_path: str, parent_id: nullable(int), avatar_url: nullable(str), web_url: str });
const sharedWith = { type: 'array', items: obj({ group_id: int, group_name: str, group_full_path: str, group_access_level: accessLevel, expires_at: nullable(str) }) };
const basicProject = {
  id: int,
  description: nullable(str),
  name: str,
  name_with_namespace: str,
  path: str,
  path_with_namespace: str,
  created_at: str,
  default_branch: nullable(str),
  tag_list: { type: 'array', items: str },
  topics: { type: 'array', items: str },
  ssh_url_to_repo: str,
  http_url_to_repo: { type: 'string', pattern: '\\.git$' },
  web_url: str,
  readme_url: nullable(str),
  forks_count: int,
  avatar_url: nullable(str),
  star_count: int,
  last_activity_at: str,
  visibility: { enum: ['private', 'internal', 'public'] },
  namespace,
};

export const DOCUMENTED: Record<string, Schema> = {
  /** Stands in for the description's APIEntitiesMember (not retrieved). */
  APIEntitiesMember: member,
  MemberExample: member,
  GroupDetailExtras: obj({ shared_with_groups: sharedWith, projects: { type: 'array' }, shared_projects: { type: 'array' } }),
  /** Projects API "Get a single project" / "List a group's projects" (non-simple). */
  ProjectExample: obj({ ...basicProject, empty_repo: bool, archived: bool, shared_with_groups: sharedWith, _links: { type: 'object' } }, { permissions: obj({ project_access: nullable(obj({ access_level: accessLevel })), group_access: nullable(obj({ access_level: accessLevel })) }) }),
  /** simple=true: BasicProjectDetails, no archived/shared_with_groups. */
  BasicProjectExample: { ...obj(basicProject), additionalProperties: false },
  /** Version API: {"version":"8.13.0-pre","revision":"4e963fe"}. */
  Version: obj({ version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+' }, revision: str }),
  /** Project webhooks API "Get a project hook". */
  ProjectHook: obj({
    id: int,
    url: str,
    project_id: int,
    push_events: bool,
    tag_push_events: bool,
    releases_events: bool,
    enable_ssl_verification: bool,
    alert_status: { enum: ['executable', 'temporarily_disabled', 'disabled'] },
    disabled_until: nullable(str),
    push_events_branch_filter: nullable(str),
    branch_filter_strategy: { enum: ['wildcard', 'regex', 'all_branches'] },
    created_at: str,
  }),
};

const hookProject = obj({
  id: int,
  name: str,
  web_url: str,
  git_ssh_url: str,
  git_http_url: str,
  namespace: str,
  visibility_level: { enum: [0, 10, 20] },
  path_with_namespace: str,
  default_branch: str,
  homepage: str,
  url: str,
  ssh_url: str,
  http_url: str,
});
const hookRepository = obj({ name: str, url: str, homepage: str, git_http_url: str, git_ssh_url: str, visibility_level: int });
const pushLike = (kind: string): Schema =>
  obj({
    object_kind: { const: kind },
    event_name: { const: kind },
    before: sha,
    after: sha,
    ref: str,
    checkout_sha: nullable(sha),
    user_id: int,
    user_name: str,
    user_username: str,
    user_avatar: nullable(str),
    project_id: int,
    project: hookProject,
    commits: {
      type: 'array',
      maxItems: 20,
      items: obj({ id: sha, message: str, title: str, timestamp: str, url: str, author: obj({ name: str, email: str }), added: { type: 'array' }, modified: { type: 'array' }, removed: { type: 'array' } }),
    },
    total_commits_count: int,
    repository: hookRepository,
  });
const hookTime = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} UTC$' };

/** webhook_events.md examples. */
export const WEBHOOKS: Record<string, Schema> = {
  push: pushLike('push'),
  tag_push: pushLike('tag_push'),
  release: obj({
    id: int,
    created_at: hookTime,
    description: str,
    name: str,
    released_at: hookTime,
    tag: str,
    object_kind: { const: 'release' },
    project: hookProject,
    url: str,
    action: { enum: ['create', 'update', 'delete'] },
    assets: obj({ count: int, links: { type: 'array' }, sources: { type: 'array', items: obj({ format: str, url: str }) } }),
    commit: obj({ id: sha, message: str, title: str, timestamp: str, url: str, author: obj({ name: str, email: str }) }),
  }),
  member: obj({
    created_at: hookTime,
    updated_at: hookTime,
    group_name: str,
    group_path: str,
    group_id: int,
    user_username: str,
    user_name: str,
    user_email: str,
    user_id: int,
    group_access: { enum: ['Minimal Access', 'Guest', 'Planner', 'Reporter', 'Developer', 'Maintainer', 'Owner'] },
    group_plan: nullable(str),
    expires_at: nullable(str),
    event_name: { enum: ['user_add_to_group', 'user_update_for_group', 'user_remove_from_group', 'user_access_request_to_group', 'user_access_request_denied_for_group'] },
  }),
  subgroup: obj({
    created_at: hookTime,
    updated_at: hookTime,
    event_name: { enum: ['subgroup_create', 'subgroup_destroy'] },
    name: str,
    path: str,
    full_path: str,
    group_id: int,
    parent_group_id: nullable(int),
    parent_name: nullable(str),
    parent_path: nullable(str),
    parent_full_path: nullable(str),
  }),
  project: obj({
    event_name: { enum: ['project_create', 'project_destroy'] },
    created_at: hookTime,
    updated_at: hookTime,
    name: str,
    path: str,
    path_with_namespace: str,
    project_id: int,
    project_namespace_id: int,
    owners: { type: 'array', items: obj({ name: str, email: str }) },
    project_visibility: { enum: ['private', 'internal', 'public'] },
  }),
};

/** Where GitLab's generated description disagrees with what GitLab sends (and with its own docs). */
export const KNOWN_DEVIATIONS: Array<{ schema: string; property: string; reason: string; check: (v: unknown) => boolean }> = [
  {
    schema: 'APIEntitiesGroup',
    property: 'parent_id',
    reason: 'the description types it string; GitLab sends the parent group id as an integer, null for a top-level group (Groups API examples)',
    check: (v) => v === null || Number.isInteger(v),
  },
  {
    schema: 'APIEntitiesGroup',
    property: 'default_branch_protection_defaults',
    reason: 'the description types it string; GitLab sends an object (the fake omits it)',
    check: (v) => v === undefined || (typeof v === 'object' && v !== null),
  },
  {
    schema: 'APIEntitiesUserPublic',
    property: 'identities',
    reason: 'the description gives a single APIEntitiesIdentity; GitLab sends an array of identities (Users API examples)',
    check: (v) => Array.isArray(v),
  },
  {
    schema: 'APIEntitiesUserPublic',
    property: 'last_activity_on',
    reason: 'the description says date-time; GitLab sends a date, "2012-05-23" (Users API examples)',
    check: (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v),
  },
];
