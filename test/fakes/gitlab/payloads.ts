// Webhook payload builders following GitLab's documented examples
// (doc/user/project/integrations/webhook_events.md): push, tag push, release, member (group
// access as the role's name), subgroup and project (create/destroy) events. Push payloads read
// the real commits of the fake's repositories.

import { git } from '../kit/git-store.js';
import { ROLE_NAME, VISIBILITY_LEVEL, type AccessLevel, type Group, type Project, type User } from './model.js';
import type { Urls } from './render.js';
import type { GitLabState } from './state.js';

export const ZERO_SHA = '0000000000000000000000000000000000000000';

/** GitLab's webhook timestamps: "2024-01-01 10:00:00 UTC". */
const hookTime = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

export class Payloads {
  constructor(
    private readonly state: GitLabState,
    private readonly urls: () => Urls,
  ) {}

  private projectBlock(p: Project) {
    const u = this.urls();
    const full = this.state.projectFullPath(p);
    const ns = this.state.group(p.namespaceId);
    const ssh = `git@${u.host}:${full}.git`;
    const http = `${u.web}/${full}.git`;
    return {
      id: p.id,
      name: p.name,
      description: p.description ?? '',
      web_url: `${u.web}/${full}`,
      avatar_url: null,
      git_ssh_url: ssh,
      git_http_url: http,
      namespace: ns.name,
      visibility_level: VISIBILITY_LEVEL[p.visibility],
      path_with_namespace: full,
      default_branch: p.defaultBranch,
      ci_config_path: null,
      homepage: `${u.web}/${full}`,
      url: ssh,
      ssh_url: ssh,
      http_url: http,
    };
  }

  private repositoryBlock(p: Project) {
    const b = this.projectBlock(p);
    return { name: p.name, url: b.ssh_url, description: b.description, homepage: b.homepage, git_http_url: b.git_http_url, git_ssh_url: b.git_ssh_url, visibility_level: b.visibility_level };
  }

  private userFields(u: User) {
    return { user_id: u.id, user_name: u.name, user_username: u.username, user_email: '', user_avatar: `https://secure.gravatar.com/avatar/${u.id}?s=80&d=identicon` };
  }

  /** Commits in before..after (newest first, at most 20 listed; total counted), with file changes. */
  private async commits(p: Project, before: string, after: string) {
    if (after === ZERO_SHA) return { list: [], total: 0 };
    const range = before === ZERO_SHA ? [after] : [`${before}..${after}`];
    const out = (await git(p.gitDir, ['log', '--format=%H%x00%an%x00%ae%x00%aI%x00%B%x1e', ...range])).toString('utf8');
    const entries = out.split('\x1e').map((e) => e.trim()).filter((e) => e !== '');
    const full = this.state.projectFullPath(p);
    const list = await Promise.all(
      entries.slice(0, 20).map(async (e) => {
        const [id = '', name = '', email = '', timestamp = '', message = ''] = e.split('\0');
        const diff = (await git(p.gitDir, ['diff-tree', '--root', '--no-commit-id', '--name-status', '-r', id])).toString('utf8');
        const added: string[] = [];
        const modified: string[] = [];
        const removed: string[] = [];
        for (const line of diff.split('\n').filter(Boolean)) {
          const [st = '', path = ''] = line.split('\t');
          (st === 'A' ? added : st === 'D' ? removed : modified).push(path);
        }
        return { id, message: `${message}\n`, title: message.split('\n')[0] ?? '', timestamp, url: `${this.urls().web}/${full}/-/commit/${id}`, author: { name, email }, added, modified, removed };
      }),
    );
    return { list, total: entries.length };
  }

  /** Push Hook (object_kind push). */
  async push(p: Project, user: User, ref: string, before: string, after: string) {
    const { list, total } = await this.commits(p, before, after);
    return {
      object_kind: 'push',
      event_name: 'push',
      before,
      after,
      ref,
      ref_protected: ref === `refs/heads/${p.defaultBranch}`,
      checkout_sha: after === ZERO_SHA ? null : after,
      message: null,
      ...this.userFields(user),
      project_id: p.id,
      project: this.projectBlock(p),
      commits: list,
      total_commits_count: total,
      push_options: {},
      repository: this.repositoryBlock(p),
    };
  }

  /** Tag Push Hook (object_kind tag_push); zero shas for create (before) and delete (after). */
  tagPush(p: Project, user: User, tag: string, before: string, after: string) {
    return {
      object_kind: 'tag_push',
      event_name: 'tag_push',
      before,
      after,
      ref: `refs/tags/${tag}`,
      ref_protected: false,
      checkout_sha: after === ZERO_SHA ? null : after,
      message: null,
      ...this.userFields(user),
      project_id: p.id,
      project: this.projectBlock(p),
      commits: [],
      total_commits_count: 0,
      push_options: {},
      repository: this.repositoryBlock(p),
    };
  }

  /** Release Hook (object_kind release, action create | update | delete). */
  release(p: Project, tag: string, sha: string, action: 'create' | 'update' | 'delete' = 'create', opts: { name?: string; description?: string } = {}) {
    const now = hookTime(new Date().toISOString());
    const full = this.state.projectFullPath(p);
    const web = this.urls().web;
    return {
      id: 1,
      created_at: now,
      description: opts.description ?? '',
      name: opts.name ?? tag,
      released_at: now,
      tag,
      object_kind: 'release',
      project: this.projectBlock(p),
      url: `${web}/${full}/-/releases/${encodeURIComponent(tag)}`,
      action,
      assets: {
        count: 2,
        links: [],
        sources: [
          { format: 'zip', url: `${web}/${full}/-/archive/${tag}/${p.path}-${tag}.zip` },
          { format: 'tar.gz', url: `${web}/${full}/-/archive/${tag}/${p.path}-${tag}.tar.gz` },
        ],
      },
      commit: { id: sha, message: 'Release\n', title: 'Release', timestamp: new Date().toISOString(), url: `${web}/${full}/-/commit/${sha}`, author: { name: 'Octo Cat', email: 'octocat@example.test' } },
    };
  }

  /** Member Hook: user_add_to_group | user_update_for_group | user_remove_from_group | … */
  member(g: Group, u: User, eventName: string, level: AccessLevel, expiresAt: string | null = null) {
    const now = hookTime(new Date().toISOString());
    return {
      created_at: now,
      updated_at: now,
      group_name: g.name,
      group_path: g.path,
      group_id: g.id,
      user_username: u.username,
      user_name: u.name,
      user_email: u.email,
      user_id: u.id,
      group_access: ROLE_NAME[level] ?? 'Guest',
      group_plan: null,
      expires_at: expiresAt,
      event_name: eventName,
    };
  }

  /** Subgroup Hook: subgroup_create | subgroup_destroy. */
  subgroup(sub: Group, eventName: 'subgroup_create' | 'subgroup_destroy') {
    const now = hookTime(new Date().toISOString());
    const parent = sub.parentId === null ? undefined : this.state.groups.get(sub.parentId);
    return {
      created_at: now,
      updated_at: now,
      event_name: eventName,
      name: sub.name,
      path: sub.path,
      full_path: this.state.groupFullPath(sub),
      group_id: sub.id,
      parent_group_id: parent?.id ?? null,
      parent_name: parent?.name ?? null,
      parent_path: parent?.path ?? null,
      parent_full_path: parent === undefined ? null : this.state.groupFullPath(parent),
    };
  }

  /** Project Hook (group hooks, 17.6+): project_create | project_destroy. */
  projectEvent(p: Project, eventName: 'project_create' | 'project_destroy', owners: User[] = []) {
    const now = hookTime(new Date().toISOString());
    return {
      event_name: eventName,
      created_at: now,
      updated_at: now,
      name: p.name,
      path: p.path,
      path_with_namespace: this.state.projectFullPath(p),
      project_id: p.id,
      project_namespace_id: p.namespaceId,
      owners: owners.map((o) => ({ name: o.name, email: o.email })),
      project_visibility: p.visibility,
    };
  }
}
