// The fake GitLab's state: users (active, blocked, deactivated), tokens (personal, group and
// project access tokens, OAuth), groups nested to any depth with direct members and group shares,
// projects with real bare git repositories, direct members and project shares, and hooks. Tests
// build a world with these methods; the routes read it (effective access is in access.ts).

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { OAuthFlow } from '../kit/oauth.js';
import { git, gitCommit, gitReadFile, gitRefs } from '../kit/git-store.js';
import { isoNow, type AccessLevel, type Group, type Hook, type Project, type Token, type User, type UserState, type Visibility } from './model.js';

export class GitLabState {
  readonly users = new Map<number, User>();
  readonly tokens = new Map<string, Token>();
  readonly groups = new Map<number, Group>();
  readonly projects = new Map<number, Project>();
  readonly hooks = new Map<number, Hook>();
  /** OAuth applications, codes and who /oauth/authorize approves as (the kit's flow). */
  readonly oauth = new OAuthFlow();
  /** refresh token -> the access token it renews */
  readonly refreshTokens = new Map<string, { userId: number; scopes: string[]; clientId: string }>();
  private nextId = 1;
  private clock = Date.parse('2025-01-01T00:00:00Z');

  constructor(private readonly gitRoot: string) {}

  private id(): number {
    return this.nextId++;
  }
  /** Deterministic, increasing timestamps for created_at and commits. */
  tick(): string {
    this.clock += 60_000;
    return isoNow(this.clock);
  }

  // ---- users and tokens ----------------------------------------------------------------------

  addUser(username: string, opts: { name?: string; email?: string; state?: UserState; admin?: boolean; bot?: boolean } = {}): User {
    if (this.findUser(username) !== undefined) throw new Error(`user ${username} exists`);
    const u: User = {
      id: this.id(),
      username,
      name: opts.name ?? username.charAt(0).toUpperCase() + username.slice(1),
      email: opts.email ?? `${username}@example.test`,
      state: opts.state ?? 'active',
      admin: opts.admin ?? false,
      bot: opts.bot ?? false,
      createdAt: this.tick(),
    };
    this.users.set(u.id, u);
    return u;
  }
  findUser(username: string): User | undefined {
    return [...this.users.values()].find((u) => u.username.toLowerCase() === username.toLowerCase());
  }
  user(username: string): User {
    const u = this.findUser(username);
    if (u === undefined) throw new Error(`no user ${username}`);
    return u;
  }
  setUserState(username: string, state: UserState): void {
    this.user(username).state = state;
  }

  /** A personal access token (scopes default to api). */
  addToken(token: string, username: string, opts: { scopes?: string[]; expiresAt?: string | null; kind?: Token['kind'] } = {}): Token {
    const t: Token = { token, userId: this.user(username).id, kind: opts.kind ?? 'personal', scopes: opts.scopes ?? ['api'], expiresAt: opts.expiresAt ?? null, revoked: false };
    this.tokens.set(token, t);
    return t;
  }
  revokeToken(token: string): void {
    const t = this.tokens.get(token);
    if (t !== undefined) t.revoked = true;
  }

  /** A group access token: a bot user that is a member of the group at `level`. */
  addGroupAccessToken(groupPath: string, token: string, opts: { level: AccessLevel; scopes?: string[] }): User {
    const g = this.group(groupPath);
    const bot = this.addUser(`group_${g.id}_bot_${randomBytes(4).toString('hex')}`, { name: `${g.name} bot`, bot: true });
    g.members.set(bot.id, { level: opts.level, expiresAt: null, createdAt: this.tick(), createdBy: null });
    this.addToken(token, bot.username, { scopes: opts.scopes ?? ['api'], kind: 'group' });
    return bot;
  }
  /** A project access token: a bot user that is a member of the project at `level`. */
  addProjectAccessToken(projectPath: string, token: string, opts: { level: AccessLevel; scopes?: string[] }): User {
    const p = this.project(projectPath);
    const bot = this.addUser(`project_${p.id}_bot_${randomBytes(4).toString('hex')}`, { name: `${p.name} bot`, bot: true });
    p.members.set(bot.id, { level: opts.level, expiresAt: null, createdAt: this.tick(), createdBy: null });
    this.addToken(token, bot.username, { scopes: opts.scopes ?? ['api'], kind: 'project' });
    return bot;
  }

  // ---- OAuth (see oauth.ts) -------------------------------------------------------------------

  /** confidential: false registers a public client (no secret; PKCE required). */
  addOAuthApp(clientId: string, clientSecret: string, opts: { callbackUrl?: string; confidential?: boolean } = {}): void {
    this.oauth.addApp(clientId, clientSecret, opts.callbackUrl, opts.confidential ?? true);
  }
  /** The next authorizations approve as this user (null: none chosen, access_denied). */
  oauthAs(username: string | null): void {
    this.oauth.approveAs = username === null ? null : this.user(username).id;
    this.oauth.denied = false;
  }
  oauthDeny(): void {
    this.oauth.denied = true;
  }

  // ---- groups ---------------------------------------------------------------------------------

  /** Adds a group by full path; its parent (the path minus the last segment) must exist. */
  addGroup(fullPath: string, opts: { name?: string; visibility?: Visibility; description?: string } = {}): Group {
    if (this.findGroup(fullPath) !== undefined) throw new Error(`group ${fullPath} exists`);
    const slash = fullPath.lastIndexOf('/');
    const parent = slash === -1 ? null : this.group(fullPath.slice(0, slash));
    const path = fullPath.slice(slash + 1);
    const g: Group = {
      id: this.id(),
      name: opts.name ?? path.charAt(0).toUpperCase() + path.slice(1),
      path,
      parentId: parent?.id ?? null,
      visibility: opts.visibility ?? 'private',
      description: opts.description ?? '',
      createdAt: this.tick(),
      members: new Map(),
      shares: [],
    };
    this.groups.set(g.id, g);
    return g;
  }
  groupFullPath(g: Group): string {
    const parts: string[] = [];
    for (let cur: Group | undefined = g, i = 0; cur !== undefined && i < 100; cur = cur.parentId === null ? undefined : this.groups.get(cur.parentId), i++) parts.unshift(cur.path);
    return parts.join('/');
  }
  groupFullName(g: Group): string {
    return this.ancestors(g).reverse().map((a) => a.name).join(' / ');
  }
  /** By numeric id or full path (case-insensitive). */
  findGroup(idOrPath: string | number): Group | undefined {
    if (typeof idOrPath === 'number' || /^\d+$/.test(idOrPath)) return this.groups.get(Number(idOrPath));
    const want = idOrPath.toLowerCase();
    return [...this.groups.values()].find((g) => this.groupFullPath(g).toLowerCase() === want);
  }
  group(idOrPath: string | number): Group {
    const g = this.findGroup(idOrPath);
    if (g === undefined) throw new Error(`no group ${idOrPath}`);
    return g;
  }
  /** The group and its ancestors, nearest first. */
  ancestors(g: Group): Group[] {
    const out: Group[] = [];
    for (let cur: Group | undefined = g; cur !== undefined && out.length < 100; cur = cur.parentId === null ? undefined : this.groups.get(cur.parentId)) out.push(cur);
    return out;
  }
  children(g: Group): Group[] {
    return [...this.groups.values()].filter((c) => c.parentId === g.id);
  }
  /** Every group below `g` (not g itself), parents before children. */
  descendants(g: Group): Group[] {
    const out: Group[] = [];
    const queue = this.children(g);
    for (let i = 0; i < queue.length && i < 100_000; i++) {
      const c = queue[i] as Group;
      out.push(c);
      queue.push(...this.children(c));
    }
    return out;
  }
  addGroupMember(groupPath: string, username: string, level: AccessLevel, opts: { expiresAt?: string | null } = {}): void {
    this.group(groupPath).members.set(this.user(username).id, { level, expiresAt: opts.expiresAt ?? null, createdAt: this.tick(), createdBy: null });
  }
  removeGroupMember(groupPath: string, username: string): void {
    this.group(groupPath).members.delete(this.user(username).id);
  }
  /** Invites `withGroup` into `groupPath` with at most `level` (GitLab's group share). */
  shareGroup(groupPath: string, withGroup: string, level: AccessLevel, opts: { expiresAt?: string | null } = {}): void {
    const g = this.group(groupPath);
    const w = this.group(withGroup);
    g.shares = g.shares.filter((s) => s.groupId !== w.id);
    g.shares.push({ groupId: w.id, level, expiresAt: opts.expiresAt ?? null });
  }

  // ---- projects -------------------------------------------------------------------------------

  async addProject(
    fullPath: string,
    opts: { name?: string; description?: string | null; visibility?: Visibility; archived?: boolean; defaultBranch?: string; files?: Record<string, string> } = {},
  ): Promise<Project> {
    if (this.findProject(fullPath) !== undefined) throw new Error(`project ${fullPath} exists`);
    const slash = fullPath.lastIndexOf('/');
    if (slash === -1) throw new Error('projects live in a group: group/project');
    const ns = this.group(fullPath.slice(0, slash));
    const id = this.id();
    const gitDir = join(this.gitRoot, `${id}.git`);
    const defaultBranch = opts.defaultBranch ?? 'main';
    await mkdir(gitDir, { recursive: true });
    await git(gitDir, ['init', '--quiet', '--bare', '--template=', `--initial-branch=${defaultBranch}`]);
    const now = this.tick();
    const path = fullPath.slice(slash + 1);
    const p: Project = {
      id,
      name: opts.name ?? path,
      path,
      namespaceId: ns.id,
      description: opts.description ?? null,
      defaultBranch,
      visibility: opts.visibility ?? 'private',
      archived: opts.archived ?? false,
      createdAt: now,
      lastActivityAt: now,
      gitDir,
      members: new Map(),
      shares: [],
    };
    this.projects.set(id, p);
    if (opts.files !== undefined) await this.commit(fullPath, opts.files, { message: 'Initial commit' });
    return p;
  }
  projectFullPath(p: Project): string {
    return `${this.groupFullPath(this.group(p.namespaceId))}/${p.path}`;
  }
  findProject(idOrPath: string | number): Project | undefined {
    if (typeof idOrPath === 'number' || /^\d+$/.test(idOrPath)) return this.projects.get(Number(idOrPath));
    const want = idOrPath.toLowerCase();
    return [...this.projects.values()].find((p) => this.projectFullPath(p).toLowerCase() === want);
  }
  project(idOrPath: string | number): Project {
    const p = this.findProject(idOrPath);
    if (p === undefined) throw new Error(`no project ${idOrPath}`);
    return p;
  }
  addProjectMember(projectPath: string, username: string, level: AccessLevel, opts: { expiresAt?: string | null } = {}): void {
    this.project(projectPath).members.set(this.user(username).id, { level, expiresAt: opts.expiresAt ?? null, createdAt: this.tick(), createdBy: null });
  }
  /** Shares a project with a group, with at most `level`. */
  shareProject(projectPath: string, withGroup: string, level: AccessLevel, opts: { expiresAt?: string | null } = {}): void {
    const p = this.project(projectPath);
    const w = this.group(withGroup);
    p.shares = p.shares.filter((s) => s.groupId !== w.id);
    p.shares.push({ groupId: w.id, level, expiresAt: opts.expiresAt ?? null });
  }
  async isEmptyRepo(p: Project): Promise<boolean> {
    return (await gitRefs(p.gitDir, 'heads')).length === 0;
  }

  // ---- git ------------------------------------------------------------------------------------

  /** Commits files (null deletes) on a branch (default branch unless given), optionally tagging it. */
  async commit(projectPath: string, files: Record<string, string | Buffer | null>, opts: { branch?: string; tag?: string; message?: string } = {}): Promise<string> {
    const p = this.project(projectPath);
    const when = this.tick();
    const sha = await gitCommit(p.gitDir, opts.branch ?? p.defaultBranch, p.defaultBranch, files, { message: opts.message ?? 'Update files', tag: opts.tag, when: Date.parse(when) });
    p.lastActivityAt = when;
    return sha;
  }
  async readFile(p: Project, ref: string, path: string): Promise<{ content: Buffer; sha: string } | null> {
    return gitReadFile(p.gitDir, ref, path);
  }
  async refSha(p: Project, ref: string): Promise<string | null> {
    return git(p.gitDir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).then(
      (b) => b.toString().trim(),
      () => null,
    );
  }

  // ---- hooks ----------------------------------------------------------------------------------

  addHook(scope: Hook['scope'], ownerId: number, attrs: Partial<Omit<Hook, 'id' | 'scope' | 'ownerId' | 'uuid'>> & { url: string }): Hook {
    const h: Hook = {
      id: this.id(),
      scope,
      ownerId,
      url: attrs.url,
      name: attrs.name ?? '',
      description: attrs.description ?? '',
      token: attrs.token ?? '',
      events: { push_events: true, ...(attrs.events ?? {}) },
      enableSslVerification: attrs.enableSslVerification ?? true,
      pushEventsBranchFilter: attrs.pushEventsBranchFilter ?? '',
      branchFilterStrategy: attrs.branchFilterStrategy ?? 'wildcard',
      alertStatus: attrs.alertStatus ?? 'executable',
      disabledUntil: attrs.disabledUntil ?? null,
      uuid: randomUUID(),
      createdAt: this.tick(),
    };
    this.hooks.set(h.id, h);
    return h;
  }
  hooksOf(scope: Hook['scope'], ownerId: number): Hook[] {
    return [...this.hooks.values()].filter((h) => h.scope === scope && h.ownerId === ownerId);
  }
}
