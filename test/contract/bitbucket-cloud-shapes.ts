// Shapes of Bitbucket Cloud's API 2.0 answers and webhook payloads, transcribed by hand as JSON
// Schemas from Atlassian's published OpenAPI description of API 2.0 (bitbucket.org/api/swagger.json,
// read from the copy in coderabbitai/bitbucket at src/cloud/openapi/swagger.v3.json, commit
// 1b75b1e82951e082c3f8950525d334de32864525): components `error`, `account`/`user`, `workspace`,
// `workspace_membership`, `project`, `repository`, `branch`, `repository_permission`, `group`,
// `repository_group_permission`, `repository_user_permission`, `project_group_permission`,
// `webhook_subscription` and the `paginated_*` envelope; the operations' documented examples add
// `permission`, `last_accessed` and `added_on` to memberships. The webhook payloads follow the
// "Event payloads" page (repo:push and the common entities); the 1.0 groups shape follows the 1.0
// "groups Endpoint" page. The description is NOT vendored: its info block carries no licence (only
// Atlassian's customer-agreement terms), so, as for Bitbucket Data Center (forges.md §7.3), the
// contract test checks the fake against these transcriptions. The description's objects are
// open (additionalProperties: true, allOf with a `type` discriminator); here they are flattened
// and closed so the fake cannot invent attributes; the few attributes Bitbucket sends beyond the
// schema are listed with a comment saying so.

type Schema = Record<string, unknown>;

const closed = (required: string[], properties: Record<string, Schema>): Schema => ({ type: 'object', required, properties, additionalProperties: false });
/** components.schemas.link */
const link = closed([], { href: { type: 'string', format: 'uri' }, name: { type: 'string' } });
const links = (...names: string[]): Schema => closed([], Object.fromEntries(names.map((n) => [n, link])));
const dateTime = { type: 'string', format: 'date-time' };
const uuid = { type: 'string', pattern: '^\\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\}$' };

/** error: {type, error: {message, detail?, data?}} */
export const error = closed(['type', 'error'], {
  type: { const: 'error' },
  error: closed(['message'], { message: { type: 'string' }, detail: { type: 'string' }, data: { type: 'object' } }),
});

/** account + user (allOf flattened); links = user_links (avatar, self, html, repositories). */
export const user = closed(['type', 'uuid', 'display_name'], {
  type: { const: 'user' },
  links: links('avatar', 'self', 'html', 'repositories'),
  created_on: dateTime,
  display_name: { type: 'string' },
  uuid,
  account_id: { type: 'string' },
  account_status: { type: 'string' },
  has_2fa_enabled: { type: ['boolean', 'null'] },
  nickname: { type: 'string' },
  is_staff: { type: 'boolean' },
});

/** account as a team (repository.owner): account properties with team_links. */
const teamAccount = closed(['type', 'uuid'], {
  type: { const: 'team' },
  links: links('avatar', 'self', 'html', 'members', 'projects', 'repositories'),
  created_on: dateTime,
  display_name: { type: 'string' },
  uuid,
});

export const workspace = closed(['type', 'uuid', 'slug'], {
  type: { const: 'workspace' },
  links: links('avatar', 'html', 'members', 'owners', 'projects', 'repositories', 'snippets', 'self'),
  uuid,
  name: { type: 'string' },
  slug: { type: 'string' },
  is_private: { type: 'boolean' },
  is_privacy_enforced: { type: 'boolean' },
  forking_mode: { enum: ['allow_forks', 'internal_only'] },
  created_on: dateTime,
  updated_on: dateTime,
});

export const workspaceMembership = closed(['type', 'user', 'workspace'], {
  type: { const: 'workspace_membership' },
  links: links('self'),
  user,
  workspace,
  // From the operations' documented examples (/workspaces/{ws}/permissions, /user/permissions/workspaces).
  permission: { enum: ['owner', 'collaborator', 'member', 'create-project'] },
  last_accessed: { type: ['string', 'null'] },
  added_on: { type: ['string', 'null'] },
});

export const project = closed(['type', 'key', 'uuid'], {
  type: { const: 'project' },
  links: links('html', 'avatar'),
  uuid,
  key: { type: 'string' },
  owner: teamAccount,
  name: { type: 'string' },
  description: { type: 'string' },
  is_private: { type: 'boolean' },
  created_on: dateTime,
  updated_on: dateTime,
  has_publicly_visible_repos: { type: 'boolean' },
});

/** branch = ref + merge strategies (repository.mainbranch). */
const branch = closed(['type'], {
  type: { const: 'branch' },
  links: links('self', 'commits', 'html'),
  name: { type: 'string' },
  target: { type: 'object' },
  merge_strategies: { type: 'array', items: { enum: ['merge_commit', 'squash', 'fast_forward', 'squash_fast_forward', 'rebase_fast_forward', 'rebase_merge'] } },
  default_merge_strategy: { type: 'string' },
});

const repoLinks = closed([], {
  ...Object.fromEntries(['self', 'html', 'avatar', 'pullrequests', 'commits', 'forks', 'watchers', 'downloads', 'hooks'].map((n) => [n, link])),
  // The description says every link href is a URI, but Bitbucket's ssh clone link is scp-like
  // (`git@bitbucket.org:{workspace}/{slug}.git`): a known deviation, so clone hrefs are strings.
  clone: { type: 'array', items: closed(['href', 'name'], { href: { type: 'string' }, name: { enum: ['https', 'ssh'] } }) },
});

export const repository = closed(['type', 'uuid', 'full_name'], {
  type: { const: 'repository' },
  links: repoLinks,
  uuid,
  full_name: { type: 'string', pattern: '^[^/]+/[^/]+$' },
  is_private: { type: 'boolean' },
  parent: { type: 'object' },
  scm: { const: 'git' },
  owner: teamAccount,
  name: { type: 'string' },
  description: { type: 'string' },
  created_on: dateTime,
  updated_on: dateTime,
  size: { type: 'integer' },
  language: { type: 'string' },
  has_issues: { type: 'boolean' },
  has_wiki: { type: 'boolean' },
  fork_policy: { enum: ['allow_forks', 'no_public_forks', 'no_forks'] },
  project,
  mainbranch: branch,
  // Not in the description's schema; Bitbucket's answers and the payload Repository entity carry them.
  slug: { type: 'string' },
  workspace,
  website: { type: ['string', 'null'] },
});

export const repositoryPermission = closed(['type', 'permission', 'user', 'repository'], {
  type: { const: 'repository_permission' },
  permission: { enum: ['read', 'write', 'admin', 'none'] },
  user,
  repository,
});

export const group = closed(['type', 'slug'], {
  type: { const: 'group' },
  links: links('self', 'html'),
  owner: { type: 'object' },
  workspace,
  name: { type: 'string' },
  slug: { type: 'string' },
  full_slug: { type: 'string', pattern: '^[^:]+:[^:]+$' },
});

export const repositoryGroupPermission = closed(['type', 'permission', 'group'], { type: { const: 'repository_group_permission' }, links: links('self'), permission: { enum: ['read', 'write', 'admin', 'none'] }, group, repository });
export const repositoryUserPermission = closed(['type', 'permission', 'user'], { type: { const: 'repository_user_permission' }, links: links('self'), permission: { enum: ['read', 'write', 'admin', 'none'] }, user, repository });
export const projectGroupPermission = closed(['type', 'permission', 'group'], { type: { const: 'project_group_permission' }, links: links('self'), permission: { enum: ['read', 'write', 'create-repo', 'admin', 'none'] }, group, project });

const EVENTS = [
  'issue:comment_created', 'issue:created', 'issue:updated', 'pipeline:span_created', 'project:updated', 'pullrequest:approved', 'pullrequest:changes_request_created',
  'pullrequest:changes_request_removed', 'pullrequest:comment_created', 'pullrequest:comment_deleted', 'pullrequest:comment_reopened', 'pullrequest:comment_resolved',
  'pullrequest:comment_updated', 'pullrequest:created', 'pullrequest:fulfilled', 'pullrequest:push', 'pullrequest:rejected', 'pullrequest:unapproved', 'pullrequest:updated',
  'repo:commit_comment_created', 'repo:commit_status_created', 'repo:commit_status_updated', 'repo:created', 'repo:deleted', 'repo:fork', 'repo:imported', 'repo:push',
  'repo:transfer', 'repo:updated',
];
/** webhook_subscription: `secret` is write-only (never returned), `secret_set` says whether one is set. */
export const webhookSubscription = closed(['type', 'uuid', 'url', 'subject_type', 'events'], {
  type: { const: 'webhook_subscription' },
  uuid,
  url: { type: 'string', format: 'uri' },
  description: { type: 'string' },
  subject_type: { enum: ['repository', 'workspace'] },
  subject: { type: 'object', required: ['type'] },
  active: { type: 'boolean' },
  created_at: dateTime,
  events: { type: 'array', items: { enum: EVENTS }, minItems: 1, uniqueItems: true },
  secret_set: { type: 'boolean' },
});

/** paginated_*: size, page, pagelen (1..100 per the description's text), next, previous, values. */
export const paginated = (item: Schema): Schema =>
  closed(['pagelen', 'values'], {
    size: { type: 'integer', minimum: 0 },
    page: { type: 'integer', minimum: 1 },
    pagelen: { type: 'integer', minimum: 1, maximum: 100 },
    next: { type: 'string', format: 'uri' },
    previous: { type: 'string', format: 'uri' },
    values: { type: 'array', items: item, minItems: 0 },
  });

// Webhook payloads ("Event payloads" page): the Account and Repository common entities, repo:push.
const payloadRepository = closed(['type', 'full_name', 'uuid', 'name'], {
  type: { const: 'repository' },
  name: { type: 'string' },
  full_name: { type: 'string' },
  uuid,
  links: links('self', 'html', 'avatar'),
  project: closed(['type', 'key', 'uuid'], { type: { const: 'project' }, key: { type: 'string' }, uuid, name: { type: 'string' }, links: links('html', 'avatar') }),
  workspace,
  website: { type: ['string', 'null'] },
  owner: teamAccount,
  scm: { const: 'git' },
  is_private: { type: 'boolean' },
});
const sha = { type: 'string', pattern: '^[0-9a-f]{40}$' };
const pushRef = closed(['type', 'name', 'target'], {
  type: { enum: ['branch', 'tag'] },
  name: { type: 'string' },
  target: { type: 'object', required: ['type', 'hash'], properties: { type: { const: 'commit' }, hash: sha } },
  links: links('self', 'commits', 'html'),
  // branch: merge strategies (as the branch schema); annotated tags: message, date, tagger.
  merge_strategies: { type: 'array' },
  default_merge_strategy: { type: 'string' },
  message: { type: 'string' },
  date: { type: 'string' },
  tagger: { type: 'object' },
});
export const repoPush = closed(['push', 'repository', 'actor'], {
  actor: user,
  repository: payloadRepository,
  push: closed(['changes'], {
    changes: {
      type: 'array',
      minItems: 1,
      items: closed(['new', 'old', 'created', 'closed', 'forced'], {
        new: { anyOf: [pushRef, { type: 'null' }] },
        old: { anyOf: [pushRef, { type: 'null' }] },
        links: links('html', 'diff', 'commits'),
        created: { type: 'boolean' },
        forced: { type: 'boolean' },
        closed: { type: 'boolean' },
        commits: { type: 'array' },
        truncated: { type: 'boolean' },
      }),
    },
  }),
});

/** The 1.0 groups API (GET /1.0/groups/{workspace}): an array of groups with their members. */
const account10 = closed(['display_name', 'uuid'], {
  display_name: { type: 'string' },
  uuid,
  is_team: { type: 'boolean' },
  mention_id: { type: ['string', 'null'] },
  avatar: { type: 'string' },
  nickname: { type: 'string' },
  account_id: { type: ['string', 'null'] },
});
export const groups10 = {
  type: 'array',
  items: closed(['name', 'slug', 'members'], {
    name: { type: 'string' },
    permission: { enum: ['read', 'write', 'admin', null] },
    auto_add: { type: 'boolean' },
    members: { type: 'array', items: account10 },
    owner: account10,
    slug: { type: 'string' },
  }),
};
