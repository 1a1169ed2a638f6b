// JSON entities of the fake GitLab, shaped like GitLab's Grape entities (API::Entities::UserBasic,
// Member, Group, GroupDetail, Project, BasicProjectDetails, ProjectHook, GroupHook, UserPublic).
// URLs carry the relative URL root.

import { projectLevel, groupLevel, type Effective } from './access.js';
import type { Group, Hook, Project, Share, User } from './model.js';
import type { GitLabState } from './state.js';

export interface Urls {
  /** http(s)://127.0.0.1:PORT[/relative-root] */
  web: string;
  /** `${web}/api/v4` */
  api: string;
  /** host:port, for ssh URLs */
  host: string;
}

const dateOnly = (iso: string | null): string | null => (iso === null ? null : iso.slice(0, 10));

export function userBasic(urls: Urls, u: User) {
  return {
    id: u.id,
    username: u.username,
    public_email: null,
    name: u.name,
    state: u.state,
    locked: u.state === 'blocked',
    avatar_url: `https://secure.gravatar.com/avatar/${u.id}?s=80&d=identicon`,
    web_url: `${urls.web}/${u.username}`,
  };
}

export function member(urls: Urls, state: GitLabState, u: User, m: Effective) {
  const creator = m.createdBy === null ? undefined : state.users.get(m.createdBy);
  return {
    ...userBasic(urls, u),
    access_level: m.level,
    created_at: m.createdAt,
    ...(creator !== undefined ? { created_by: userBasic(urls, creator) } : {}),
    expires_at: dateOnly(m.expiresAt),
    membership_state: 'active',
  };
}

export function userPublic(urls: Urls, u: User) {
  return {
    ...userBasic(urls, u),
    created_at: u.createdAt,
    bio: '',
    location: '',
    linkedin: '',
    twitter: '',
    discord: '',
    website_url: '',
    github: '',
    job_title: '',
    pronouns: null,
    organization: '',
    bot: u.bot,
    work_information: null,
    local_time: null,
    last_sign_in_at: u.createdAt,
    confirmed_at: u.createdAt,
    last_activity_on: u.createdAt.slice(0, 10),
    email: u.email,
    theme_id: 3,
    color_scheme_id: 1,
    projects_limit: 100000,
    current_sign_in_at: u.createdAt,
    identities: [],
    can_create_group: true,
    can_create_project: true,
    two_factor_enabled: false,
    external: false,
    private_profile: false,
    commit_email: u.email,
    ...(u.admin ? { is_admin: true } : {}),
  };
}

function sharedWith(state: GitLabState, shares: Share[]) {
  return shares.flatMap((s) => {
    const g = state.groups.get(s.groupId);
    if (g === undefined) return [];
    return [{ group_id: g.id, group_name: g.name, group_full_path: state.groupFullPath(g), group_access_level: s.level, expires_at: dateOnly(s.expiresAt) }];
  });
}

export function group(urls: Urls, state: GitLabState, g: Group) {
  const fullPath = state.groupFullPath(g);
  return {
    id: g.id,
    web_url: `${urls.web}/groups/${fullPath}`,
    name: g.name,
    path: g.path,
    description: g.description,
    visibility: g.visibility,
    share_with_group_lock: false,
    require_two_factor_authentication: false,
    two_factor_grace_period: 48,
    project_creation_level: 'developer',
    auto_devops_enabled: null,
    subgroup_creation_level: 'maintainer',
    emails_disabled: false,
    emails_enabled: true,
    show_diff_preview_in_email: true,
    mentions_disabled: null,
    lfs_enabled: true,
    archived: false,
    math_rendering_limits_enabled: true,
    lock_math_rendering_limits_enabled: false,
    crm_enabled: true,
    default_branch: null,
    default_branch_protection: 2,
    avatar_url: null,
    request_access_enabled: true,
    full_name: state.groupFullName(g),
    full_path: fullPath,
    created_at: g.createdAt,
    parent_id: g.parentId,
    organization_id: 1,
    shared_runners_setting: 'enabled',
    max_artifacts_size: null,
    ldap_cn: null,
    ldap_access: null,
    marked_for_deletion_on: null,
    wiki_access_level: 'enabled',
  };
}

/** GET /groups/:id: the group, its shares, and (as GitLab still does by default) its projects. */
export function groupDetail(urls: Urls, state: GitLabState, g: Group, projects: Project[], sharedProjects: Project[], user: User) {
  return {
    ...group(urls, state, g),
    shared_with_groups: sharedWith(state, g.shares),
    prevent_sharing_groups_outside_hierarchy: false,
    projects: projects.slice(0, 100).map((p) => project(urls, state, p, user)),
    shared_projects: sharedProjects.slice(0, 100).map((p) => project(urls, state, p, user)),
    shared_runners_minutes_limit: null,
    extra_shared_runners_minutes_limit: null,
    prevent_forking_outside_group: null,
    membership_lock: false,
  };
}

export function namespace(urls: Urls, state: GitLabState, g: Group) {
  const fullPath = state.groupFullPath(g);
  return { id: g.id, name: g.name, path: g.path, kind: 'group', full_path: fullPath, parent_id: g.parentId, avatar_url: null, web_url: `${urls.web}/groups/${fullPath}` };
}

/** API::Entities::BasicProjectDetails (simple=true). */
export function basicProject(urls: Urls, state: GitLabState, p: Project, empty = false) {
  const full = state.projectFullPath(p);
  const ns = state.group(p.namespaceId);
  return {
    id: p.id,
    description: p.description,
    name: p.name,
    name_with_namespace: `${state.groupFullName(ns)} / ${p.name}`,
    path: p.path,
    path_with_namespace: full,
    created_at: p.createdAt,
    default_branch: empty ? null : p.defaultBranch,
    tag_list: [],
    topics: [],
    ssh_url_to_repo: `git@${urls.host}:${full}.git`,
    http_url_to_repo: `${urls.web}/${full}.git`,
    web_url: `${urls.web}/${full}`,
    readme_url: null,
    forks_count: 0,
    avatar_url: null,
    star_count: 0,
    last_activity_at: p.lastActivityAt,
    visibility: p.visibility,
    namespace: namespace(urls, state, ns),
  };
}

/** API::Entities::Project (and ProjectWithAccess with `permissions` when a user is given). */
export function project(urls: Urls, state: GitLabState, p: Project, user?: User, empty = false) {
  const full = state.projectFullPath(p);
  const api = `${urls.api}/projects/${p.id}`;
  const projectMember = user === undefined ? undefined : p.members.get(user.id);
  const gl = user === undefined ? 0 : groupLevel(state, user, state.group(p.namespaceId));
  void projectLevel;
  return {
    ...basicProject(urls, state, p, empty),
    container_registry_image_prefix: `registry.example.test/${full}`,
    _links: {
      self: api,
      issues: `${api}/issues`,
      merge_requests: `${api}/merge_requests`,
      repo_branches: `${api}/repository/branches`,
      labels: `${api}/labels`,
      events: `${api}/events`,
      members: `${api}/members`,
      cluster_agents: `${api}/cluster_agents`,
    },
    packages_enabled: true,
    empty_repo: empty,
    archived: p.archived,
    resolve_outdated_diff_discussions: false,
    repository_object_format: 'sha1',
    issues_enabled: true,
    merge_requests_enabled: true,
    wiki_enabled: true,
    jobs_enabled: true,
    snippets_enabled: true,
    container_registry_enabled: true,
    service_desk_enabled: false,
    can_create_merge_request_in: true,
    issues_access_level: 'enabled',
    repository_access_level: 'enabled',
    merge_requests_access_level: 'enabled',
    forking_access_level: 'enabled',
    wiki_access_level: 'enabled',
    builds_access_level: 'enabled',
    snippets_access_level: 'enabled',
    pages_access_level: 'private',
    analytics_access_level: 'enabled',
    container_registry_access_level: 'enabled',
    security_and_compliance_access_level: 'private',
    releases_access_level: 'enabled',
    environments_access_level: 'enabled',
    feature_flags_access_level: 'enabled',
    infrastructure_access_level: 'enabled',
    monitor_access_level: 'enabled',
    model_experiments_access_level: 'enabled',
    model_registry_access_level: 'enabled',
    package_registry_access_level: 'enabled',
    emails_disabled: false,
    emails_enabled: true,
    shared_runners_enabled: true,
    lfs_enabled: true,
    creator_id: 1,
    import_status: 'none',
    open_issues_count: 0,
    description_html: p.description === null ? '' : `<p data-sourcepos="1:1-1:${p.description.length}" dir="auto">${p.description}</p>`,
    updated_at: p.lastActivityAt,
    ci_config_path: null,
    public_jobs: true,
    shared_with_groups: sharedWith(state, p.shares),
    only_allow_merge_if_pipeline_succeeds: false,
    allow_merge_on_skipped_pipeline: null,
    request_access_enabled: true,
    only_allow_merge_if_all_discussions_are_resolved: false,
    remove_source_branch_after_merge: true,
    printing_merge_request_link_enabled: true,
    merge_method: 'merge',
    squash_option: 'default_off',
    enforce_auth_checks_on_uploads: true,
    autoclose_referenced_issues: true,
    ...(user !== undefined
      ? {
          permissions: {
            project_access: projectMember === undefined ? null : { access_level: projectMember.level, notification_level: 3 },
            group_access: gl === 0 ? null : { access_level: gl, notification_level: 3 },
          },
        }
      : {}),
  };
}

export function hook(h: Hook) {
  const flags = Object.fromEntries(Object.entries(h.events).filter(([k]) => k.endsWith('_events')));
  return {
    id: h.id,
    url: h.url,
    name: h.name,
    description: h.description,
    created_at: h.createdAt,
    push_events: h.events['push_events'] ?? false,
    tag_push_events: h.events['tag_push_events'] ?? false,
    merge_requests_events: h.events['merge_requests_events'] ?? false,
    repository_update_events: h.events['repository_update_events'] ?? false,
    enable_ssl_verification: h.enableSslVerification,
    alert_status: h.alertStatus,
    disabled_until: h.disabledUntil,
    url_variables: [],
    push_events_branch_filter: h.pushEventsBranchFilter === '' ? null : h.pushEventsBranchFilter,
    branch_filter_strategy: h.branchFilterStrategy,
    custom_webhook_template: null,
    custom_headers: [],
    organization_id: 1,
    token_present: h.token !== '',
    signing_token_present: false,
    ...(h.scope === 'project' ? { project_id: h.ownerId } : { group_id: h.ownerId }),
    ...FLAG_DEFAULTS[h.scope],
    ...flags,
  };
}

const COMMON_FLAGS = {
  issues_events: false,
  confidential_issues_events: false,
  note_events: false,
  confidential_note_events: false,
  pipeline_events: false,
  wiki_page_events: false,
  deployment_events: false,
  feature_flag_events: false,
  job_events: false,
  releases_events: false,
  milestone_events: false,
  emoji_events: false,
  resource_access_token_events: false,
  vulnerability_events: false,
};
const FLAG_DEFAULTS = {
  project: COMMON_FLAGS,
  group: { ...COMMON_FLAGS, subgroup_events: false, member_events: false, project_events: false, duo_flow_callback_enabled: false },
};
