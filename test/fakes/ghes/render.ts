// JSON representations the fake returns, shaped as the GHES 3.19 OpenAPI description's schemas
// (simple-user, organization-full, team-full, minimal/full-repository, org-hook …).

import { LEVEL, type App, type Hook, type Installation, type Org, type Repo, type RepoRole, type Team, type User } from './model.js';
import type { GhesState } from './state.js';

export interface Urls {
  /** http://host:port (web root) */
  web: string;
  /** http://host:port/api/v3 */
  api: string;
}

export function nodeId(kind: string, id: number): string {
  return Buffer.from(`0${kind.length}:${kind}${id}`).toString('base64');
}

export function permissionsOf(role: RepoRole | null): { admin: boolean; maintain: boolean; push: boolean; triage: boolean; pull: boolean } {
  const l = role === null ? 0 : LEVEL[role];
  return { admin: l >= 5, maintain: l >= 4, push: l >= 3, triage: l >= 2, pull: l >= 1 };
}

function account(u: Urls, login: string, id: number, type: 'User' | 'Organization', siteAdmin: boolean) {
  const api = `${u.api}/users/${login}`;
  return {
    login,
    id,
    node_id: nodeId(type, id),
    avatar_url: `${u.web}/avatars/u/${id}?`,
    gravatar_id: '',
    url: api,
    html_url: `${u.web}/${login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type,
    user_view_type: 'public',
    site_admin: siteAdmin,
  };
}

export function simpleUser(u: Urls, user: User) {
  return account(u, user.login, user.id, 'User', user.siteAdmin);
}

export function privateUser(u: Urls, user: User, ownedPrivateRepos: number) {
  return {
    ...simpleUser(u, user),
    name: user.name,
    company: null,
    blog: '',
    location: null,
    email: user.email,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
    private_gists: 0,
    total_private_repos: ownedPrivateRepos,
    owned_private_repos: ownedPrivateRepos,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: false,
    plan: { name: 'enterprise', space: 976562499, collaborators: 0, private_repos: 9999 },
  };
}

export function orgSimple(u: Urls, org: Org) {
  const api = `${u.api}/orgs/${org.login}`;
  return {
    login: org.login,
    id: org.id,
    node_id: nodeId('Organization', org.id),
    url: api,
    repos_url: `${api}/repos`,
    events_url: `${api}/events`,
    hooks_url: `${api}/hooks`,
    issues_url: `${api}/issues`,
    members_url: `${api}/members{/member}`,
    public_members_url: `${api}/public_members{/member}`,
    avatar_url: `${u.web}/avatars/u/${org.id}?`,
    description: org.description,
  };
}

/** organization-full; owner-only fields (default_repository_permission …) only for owners. */
export function orgFull(u: Urls, state: GhesState, org: Org, owner: boolean) {
  const repos = [...state.repos.values()].filter((r) => r.orgId === org.id);
  const base = {
    ...orgSimple(u, org),
    name: org.name,
    // company, blog, location and email are omitted when unset: the description types them as
    // non-nullable strings.
    twitter_username: null,
    is_verified: false,
    has_organization_projects: true,
    has_repository_projects: true,
    public_repos: repos.filter((r) => r.visibility === 'public').length,
    public_gists: 0,
    followers: 0,
    following: 0,
    html_url: `${u.web}/${org.login}`,
    created_at: org.createdAt,
    updated_at: org.updatedAt,
    archived_at: null,
    type: 'Organization',
  };
  if (!owner) return base;
  const priv = repos.filter((r) => r.visibility !== 'public').length;
  return {
    ...base,
    total_private_repos: priv,
    owned_private_repos: priv,
    private_gists: 0,
    disk_usage: 0,
    collaborators: 0,
    billing_email: null,
    default_repository_permission: org.defaultRepositoryPermission,
    members_can_create_repositories: true,
    two_factor_requirement_enabled: false,
    members_allowed_repository_creation_type: 'all',
    members_can_create_public_repositories: true,
    members_can_create_private_repositories: true,
    members_can_create_internal_repositories: true,
    members_can_create_pages: true,
    members_can_create_public_pages: true,
    members_can_create_private_pages: true,
    members_can_fork_private_repositories: false,
    web_commit_signoff_required: false,
  };
}

export function teamSimple(u: Urls, state: GhesState, t: Team) {
  const org = state.orgOf(t);
  const api = `${u.api}/organizations/${org.id}/team/${t.id}`;
  return {
    id: t.id,
    node_id: nodeId('Team', t.id),
    url: api,
    html_url: `${u.web}/orgs/${org.login}/teams/${t.slug}`,
    name: t.name,
    slug: t.slug,
    description: t.description,
    privacy: t.privacy,
    notification_setting: 'notifications_enabled',
    permission: 'pull',
    members_url: `${api}/members{/member}`,
    repositories_url: `${api}/repos`,
    type: 'organization',
    organization_id: org.id,
  };
}

export function team(u: Urls, state: GhesState, t: Team) {
  const parent = t.parentId === null ? undefined : state.teams.get(t.parentId);
  return { ...teamSimple(u, state, t), permissions: { pull: true, triage: false, push: false, maintain: false, admin: false }, parent: parent === undefined ? null : teamSimple(u, state, parent) };
}

export function teamFull(u: Urls, state: GhesState, t: Team) {
  const org = state.orgOf(t);
  const parent = t.parentId === null ? undefined : state.teams.get(t.parentId);
  return {
    ...teamSimple(u, state, t),
    parent: parent === undefined ? null : teamSimple(u, state, parent),
    members_count: t.members.size,
    repos_count: t.grants.size,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    organization: orgFull(u, state, org, false),
  };
}

function repoUrls(u: Urls, full: string) {
  const api = `${u.api}/repos/${full}`;
  return {
    html_url: `${u.web}/${full}`,
    url: api,
    forks_url: `${api}/forks`,
    keys_url: `${api}/keys{/key_id}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    teams_url: `${api}/teams`,
    hooks_url: `${api}/hooks`,
    issue_events_url: `${api}/issues/events{/number}`,
    events_url: `${api}/events`,
    assignees_url: `${api}/assignees{/user}`,
    branches_url: `${api}/branches{/branch}`,
    tags_url: `${api}/tags`,
    blobs_url: `${api}/git/blobs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    trees_url: `${api}/git/trees{/sha}`,
    statuses_url: `${api}/statuses/{sha}`,
    languages_url: `${api}/languages`,
    stargazers_url: `${api}/stargazers`,
    contributors_url: `${api}/contributors`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    commits_url: `${api}/commits{/sha}`,
    git_commits_url: `${api}/git/commits{/sha}`,
    comments_url: `${api}/comments{/number}`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    contents_url: `${api}/contents/{+path}`,
    compare_url: `${api}/compare/{base}...{head}`,
    merges_url: `${api}/merges`,
    archive_url: `${api}/{archive_format}{/ref}`,
    downloads_url: `${api}/downloads`,
    issues_url: `${api}/issues{/number}`,
    pulls_url: `${api}/pulls{/number}`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    labels_url: `${api}/labels{/name}`,
    releases_url: `${api}/releases{/id}`,
    deployments_url: `${api}/deployments`,
  };
}

/** minimal-repository; `access` adds the caller's (or team's) `permissions` and `role_name`. */
export function minimalRepo(u: Urls, state: GhesState, r: Repo, access?: { role: RepoRole | null; roleName?: string }) {
  const org = state.orgOf(r);
  const full = `${org.login}/${r.name}`;
  const host = new URL(u.web).host;
  const out: Record<string, unknown> = {
    id: r.id,
    node_id: nodeId('Repository', r.id),
    name: r.name,
    full_name: full,
    private: r.visibility !== 'public',
    owner: account(u, org.login, org.id, 'Organization', false),
    description: r.description,
    fork: false,
    ...repoUrls(u, full),
    git_url: `git://${host}/${full}.git`,
    ssh_url: `git@${host}:${full}.git`,
    clone_url: `${u.web}/${full}.git`,
    svn_url: `${u.web}/${full}`,
    mirror_url: null,
    homepage: null,
    language: null,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: 1,
    default_branch: r.defaultBranch,
    open_issues_count: 0,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: r.archived,
    disabled: false,
    visibility: r.visibility,
    pushed_at: r.pushedAt,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    allow_forking: false,
    web_commit_signoff_required: false,
    license: null,
    forks: 0,
    open_issues: 0,
    watchers: 0,
  };
  if (access !== undefined) {
    out['permissions'] = permissionsOf(access.role);
    if (access.roleName !== undefined) out['role_name'] = access.roleName;
  }
  return out;
}

export function fullRepo(u: Urls, state: GhesState, r: Repo, access?: { role: RepoRole | null; roleName?: string }) {
  const org = state.orgOf(r);
  return {
    ...minimalRepo(u, state, r, access),
    organization: account(u, org.login, org.id, 'Organization', false),
    network_count: 0,
    subscribers_count: 0,
    allow_rebase_merge: true,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    temp_clone_token: '',
  };
}

export function orgHook(u: Urls, state: GhesState, h: Hook) {
  const org = state.orgOf(h);
  const api = `${u.api}/orgs/${org.login}/hooks/${h.id}`;
  const config: Record<string, string> = { url: h.config.url, content_type: h.config.content_type, insecure_ssl: h.config.insecure_ssl };
  if (h.config.secret !== undefined) config['secret'] = '********';
  return {
    type: 'Organization',
    id: h.id,
    name: h.name,
    active: h.active,
    events: h.events,
    config,
    updated_at: h.updatedAt,
    created_at: h.createdAt,
    url: api,
    ping_url: `${api}/pings`,
    deliveries_url: `${api}/deliveries`,
  };
}

export function installation(u: Urls, state: GhesState, inst: Installation) {
  const org = state.orgs.get(inst.orgId);
  const app = state.apps.get(inst.appId);
  return {
    id: inst.id,
    client_id: app?.clientId ?? '',
    account: org === undefined ? null : account(u, org.login, org.id, 'Organization', false),
    repository_selection: 'all',
    access_tokens_url: `${u.api}/app/installations/${inst.id}/access_tokens`,
    repositories_url: `${u.api}/installation/repositories`,
    html_url: `${u.web}/organizations/${org?.login ?? ''}/settings/installations/${inst.id}`,
    app_id: inst.appId,
    app_slug: app?.slug ?? '',
    target_id: inst.orgId,
    target_type: 'Organization',
    permissions: { contents: 'read', metadata: 'read', members: 'read' },
    events: ['push', 'create', 'delete', 'repository', 'team', 'membership', 'member', 'organization'],
    created_at: inst.createdAt,
    updated_at: inst.createdAt,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}

/** The `integration` schema: GET /app with the app's JWT. */
export function app(u: Urls, state: GhesState, a: App) {
  const org = (a.owner === null ? undefined : state.findOrg(a.owner)) ?? [...state.orgs.values()][0];
  return {
    id: a.appId,
    slug: a.slug,
    node_id: nodeId('Integration', a.appId),
    client_id: a.clientId,
    owner: org === undefined ? null : account(u, org.login, org.id, 'Organization', false),
    name: a.slug,
    description: 'Packyard sync',
    external_url: 'https://packages.example.test',
    html_url: `${u.web}/github-apps/${a.slug}`,
    created_at: a.createdAt,
    updated_at: a.createdAt,
    permissions: { contents: 'read', metadata: 'read', members: 'read' },
    events: ['push', 'create', 'delete', 'repository', 'team', 'membership', 'member', 'organization'],
    installations_count: [...state.installations.values()].filter((i) => i.appId === a.appId).length,
  };
}

export function rootLinks(u: Urls) {
  const a = u.api;
  return {
    current_user_url: `${a}/user`,
    current_user_authorizations_html_url: `${u.web}/settings/connections/applications{/client_id}`,
    authorizations_url: `${a}/authorizations`,
    code_search_url: `${a}/search/code?q={query}{&page,per_page,sort,order}`,
    emails_url: `${a}/user/emails`,
    events_url: `${a}/events`,
    hub_url: `${a}/hub`,
    organization_url: `${a}/orgs/{org}`,
    organization_repositories_url: `${a}/orgs/{org}/repos{?type,page,per_page,sort}`,
    organization_teams_url: `${a}/orgs/{org}/teams`,
    rate_limit_url: `${a}/rate_limit`,
    repository_url: `${a}/repos/{owner}/{repo}`,
    current_user_repositories_url: `${a}/user/repos{?type,page,per_page,sort}`,
    user_url: `${a}/users/{user}`,
    user_organizations_url: `${a}/user/orgs`,
    user_repositories_url: `${a}/users/{user}/repos{?type,page,per_page,sort}`,
  };
}
