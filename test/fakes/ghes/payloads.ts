// Webhook payloads built from the fake's state, shaped as GHES 3.19's x-webhooks schemas: tests
// build one here and hand it to FakeGhes.deliver(); push payloads read real commits from git.

import * as render from './render.js';
import type { Urls } from './render.js';
import type { GhesState, Org, Repo, Team, User } from './state.js';

const ZERO = '0000000000000000000000000000000000000000';

export class Payloads {
  constructor(
    private readonly state: GhesState,
    private readonly urls: () => Urls,
  ) {}

  private sender(login?: string): ReturnType<typeof render.simpleUser> {
    const u = login === undefined ? [...this.state.users.values()][0] : this.state.user(login);
    if (u === undefined) throw new Error('fake ghes: payloads need at least one user as sender');
    return render.simpleUser(this.urls(), u);
  }
  private org(o: Org) {
    return render.orgSimple(this.urls(), o);
  }
  private repo(r: Repo): Record<string, unknown> {
    const out = render.minimalRepo(this.urls(), this.state, r);
    delete out['permissions'];
    return { ...out, organization: out['owner'], custom_properties: {} };
  }
  /** The older repository shape push and team events carry: unix times, the org login, master_branch. */
  private legacyRepo(r: Repo): Record<string, unknown> {
    const org = this.state.orgOf(r);
    const repo = this.repo(r);
    return {
      ...repo,
      owner: { ...(repo['owner'] as object), name: org.login, email: null },
      organization: org.login,
      stargazers: 0,
      master_branch: r.defaultBranch,
      created_at: Math.floor(Date.parse(r.createdAt) / 1000),
      pushed_at: Math.floor(Date.parse(r.pushedAt) / 1000),
    };
  }
  private teamObj(t: Team) {
    const simple = render.teamSimple(this.urls(), this.state, t);
    const parent = t.parentId === null ? undefined : this.state.teams.get(t.parentId);
    return { ...simple, parent: parent === undefined ? null : render.teamSimple(this.urls(), this.state, parent) };
  }
  private userObj(u: User) {
    return { ...render.simpleUser(this.urls(), u), ...(u.name !== null ? { name: u.name } : {}), email: u.email };
  }

  /**
   * A push of `ref` from `before` to `after` (shas; ZERO for created/deleted refs). Commits are read
   * from the real repository (at most 20, oldest first, as GitHub sends them).
   */
  async push(orgLogin: string, repoName: string, opts: { ref: string; before: string; after: string; forced?: boolean; sender?: string }) {
    const r = this.state.repo(orgLogin, repoName);
    const org = this.state.orgOf(r);
    const sender = this.sender(opts.sender);
    const created = opts.before === ZERO;
    const deleted = opts.after === ZERO;
    const shas = deleted
      ? []
      : (await this.state.gitOut(r, ['rev-list', '--reverse', '--max-count=20', created ? opts.after : `${opts.before}..${opts.after}`])).split('\n').filter((s) => s !== '');
    const full = `${org.login}/${r.name}`;
    const commits = [];
    for (const sha of shas) {
      const [id = sha, tree = '', an = '', ae = '', ad = '', cn = '', ce = '', cd = '', ...msg] = (
        await this.state.gitOut(r, ['show', '-s', '--format=%H%x00%T%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B', sha])
      ).split('\0');
      const changes = (await this.state.gitOut(r, ['diff-tree', '--root', '--no-commit-id', '--name-status', '-r', sha])).split('\n').filter((l) => l !== '');
      const pick = (s: string): string[] => changes.filter((l) => l.startsWith(s)).map((l) => l.slice(l.indexOf('\t') + 1));
      commits.push({
        id,
        tree_id: tree,
        distinct: true,
        message: msg.join('\0').trim(),
        timestamp: ad,
        url: `${this.urls().web}/${full}/commit/${id}`,
        author: { name: an, email: ae, date: ad },
        committer: { name: cn, email: ce, date: cd },
        added: pick('A'),
        removed: pick('D'),
        modified: pick('M'),
      });
    }
    return {
      ref: opts.ref,
      before: opts.before,
      after: opts.after,
      repository: this.legacyRepo(r),
      pusher: { name: sender.login, email: `${sender.login}@users.noreply.example.test` },
      organization: this.org(org),
      sender,
      created,
      deleted,
      forced: opts.forced ?? false,
      base_ref: null,
      compare: `${this.urls().web}/${full}/compare/${opts.before.slice(0, 12)}...${opts.after.slice(0, 12)}`,
      commits,
      head_commit: commits.at(-1) ?? null,
    };
  }

  /** `create` or `delete` of a branch or tag (ref is the short name). */
  ref(event: 'create' | 'delete', orgLogin: string, repoName: string, ref: string, refType: 'tag' | 'branch', sender?: string) {
    const r = this.state.repo(orgLogin, repoName);
    const base = { ref, ref_type: refType, pusher_type: 'user', repository: this.repo(r), organization: this.org(this.state.orgOf(r)), sender: this.sender(sender) };
    return event === 'create' ? { ...base, master_branch: r.defaultBranch, description: r.description } : base;
  }

  releasePublished(orgLogin: string, repoName: string, tag: string, opts: { id?: number; prerelease?: boolean; sender?: string } = {}) {
    const r = this.state.repo(orgLogin, repoName);
    const full = `${orgLogin}/${r.name}`;
    const id = opts.id ?? 1;
    const api = `${this.urls().api}/repos/${full}/releases/${id}`;
    const now = r.pushedAt;
    return {
      action: 'published',
      release: {
        id,
        node_id: render.nodeId('Release', id),
        url: api,
        assets_url: `${api}/assets`,
        upload_url: `${this.urls().web}/api/uploads/repos/${full}/releases/${id}/assets{?name,label}`,
        html_url: `${this.urls().web}/${full}/releases/tag/${tag}`,
        tag_name: tag,
        target_commitish: r.defaultBranch,
        name: tag,
        body: null,
        draft: false,
        prerelease: opts.prerelease ?? false,
        immutable: false,
        created_at: now,
        published_at: now,
        updated_at: now,
        author: this.sender(opts.sender),
        assets: [],
        tarball_url: `${this.urls().api}/repos/${full}/tarball/${tag}`,
        zipball_url: `${this.urls().api}/repos/${full}/zipball/${tag}`,
      },
      repository: this.repo(r),
      organization: this.org(this.state.orgOf(r)),
      sender: this.sender(opts.sender),
    };
  }

  /** `repository` created/deleted/archived/unarchived/renamed (renamed needs `from`, the old name). */
  repository(action: 'created' | 'deleted' | 'archived' | 'unarchived' | 'renamed' | 'privatized' | 'publicized', orgLogin: string, repoName: string, opts: { from?: string; sender?: string } = {}) {
    const r = this.state.repo(orgLogin, repoName);
    const out: Record<string, unknown> = { action, repository: this.repo(r), organization: this.org(this.state.orgOf(r)), sender: this.sender(opts.sender) };
    if (action === 'renamed') out['changes'] = { repository: { name: { from: opts.from ?? r.name } } };
    return out;
  }

  /** `team` created/deleted/edited/added_to_repository/removed_from_repository. */
  team(
    action: 'created' | 'deleted' | 'edited' | 'added_to_repository' | 'removed_from_repository',
    orgLogin: string,
    slug: string,
    opts: { repo?: string; changes?: Record<string, unknown>; sender?: string } = {},
  ) {
    const o = this.state.org(orgLogin);
    const t = this.state.team(orgLogin, slug);
    const out: Record<string, unknown> = { action, team: this.teamObj(t), organization: this.org(o), sender: this.sender(opts.sender) };
    if (action === 'edited') out['changes'] = opts.changes ?? { name: { from: t.name } };
    if (opts.repo !== undefined) {
      const r = this.state.repo(orgLogin, opts.repo);
      const role = t.grants.get(r.id);
      out['repository'] = { ...this.legacyRepo(r), permissions: render.permissionsOf(role === undefined ? null : this.state.customRoleBase(o, role)) };
    }
    return out;
  }

  /** `membership` added/removed: a user joined or left a team. */
  membership(action: 'added' | 'removed', orgLogin: string, slug: string, login: string, sender?: string) {
    const o = this.state.org(orgLogin);
    const t = this.state.team(orgLogin, slug);
    return { action, scope: 'team', member: this.userObj(this.state.user(login)), sender: this.sender(sender), team: this.teamObj(t), organization: this.org(o) };
  }

  /** `member` added: a collaborator was added to a repository. */
  memberAdded(orgLogin: string, repoName: string, login: string, permission: string, sender?: string) {
    const r = this.state.repo(orgLogin, repoName);
    return {
      action: 'added',
      member: this.userObj(this.state.user(login)),
      changes: { permission: { to: permission === 'push' ? 'write' : permission === 'pull' ? 'read' : permission } },
      repository: this.repo(r),
      organization: this.org(this.state.orgOf(r)),
      sender: this.sender(sender),
    };
  }

  /** `organization` member_added/member_removed. */
  organization(action: 'member_added' | 'member_removed', orgLogin: string, login: string, sender?: string) {
    const o = this.state.org(orgLogin);
    const u = this.state.user(login);
    return {
      action,
      membership: {
        url: `${this.urls().api}/orgs/${o.login}/memberships/${u.login}`,
        state: 'active',
        role: o.members.get(u.id) ?? 'member',
        organization_url: `${this.urls().api}/orgs/${o.login}`,
        user: this.userObj(u),
      },
      organization: this.org(o),
      sender: this.sender(sender),
    };
  }
}

export { ZERO as ZERO_SHA };
