// The fake Bitbucket Cloud's state: Atlassian accounts (account_id, uuid `{…}`, nickname, the
// Bitbucket username, the Atlassian email) with app passwords and API tokens, workspaces and their
// memberships (member, collaborator, owner = admin), projects, workspace groups, repositories in
// real bare git repositories, explicit user/group permissions on repositories and projects, OAuth
// consumers and access tokens, webhooks per repository and per workspace; and the effective
// permission Bitbucket documents: the highest of explicit, group and project permissions
// ("does not distinguish between direct and indirect (group) privileges"), admin for owners.

import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gitCommit, gitReadDir, gitReadFile, type DirEntry } from '../kit/git-store.js';

export type Permission = 'read' | 'write' | 'admin';
export type Role = 'member' | 'collaborator' | 'owner';
/** 0 none, 1 read, 2 write, 3 admin. */
export type Level = 0 | 1 | 2 | 3;
export const LEVEL: Record<Permission, Level> = { read: 1, write: 2, admin: 3 };
export const PERMISSION_OF: Record<number, Permission> = { 1: 'read', 2: 'write', 3: 'admin' };

export interface User {
  id: number;
  uuid: string;
  accountId: string;
  nickname: string;
  /** The Bitbucket username (app passwords, git). */
  username: string;
  displayName: string;
  /** The Atlassian account email (API tokens on the API). */
  email: string;
  appPasswords: Set<string>;
  apiTokens: Set<string>;
}
export interface Workspace {
  id: number;
  uuid: string;
  slug: string;
  name: string;
  isPrivate: boolean;
  members: Map<number, Role>;
}
export interface Project {
  id: number;
  uuid: string;
  key: string;
  name: string;
  workspaceId: number;
  isPrivate: boolean;
  users: Map<number, Level>;
  groups: Map<string, Level>;
}
export interface Group {
  slug: string;
  name: string;
  workspaceId: number;
  members: Set<number>;
  /** The group's default repository access (metadata of the 1.0 API; grants nothing by itself). */
  permission: Permission | null;
  autoAdd: boolean;
}
export interface Repository {
  id: number;
  uuid: string;
  slug: string;
  name: string;
  workspaceId: number;
  projectId: number;
  isPrivate: boolean;
  mainbranch: string;
  gitDir: string;
  users: Map<number, Level>;
  groups: Map<string, Level>;
  createdOn: number;
}
export interface Hook {
  uuid: string;
  url: string;
  description: string;
  active: boolean;
  events: string[];
  secret: string | null;
  subject: { type: 'repository'; id: number } | { type: 'workspace'; id: number };
  createdAt: number;
}
/** Who a request is: a user (and how), an OAuth consumer's client-credentials token, or nobody. */
export type Principal =
  | { kind: 'user'; user: User; via: 'app_password' | 'api_token' | 'oauth' }
  | { kind: 'consumer'; workspaceId: number; clientId: string }
  | null;
export interface AccessToken {
  value: string;
  userId: number | null;
  /** A client-credentials token acts for the consumer's workspace. */
  consumer: { clientId: string; workspaceId: number } | null;
  scopes: string[];
  expiresAt: number;
}

/** A stable `{8-4-4-4-12}` uuid derived from a seed (deterministic answers across runs). */
export function uuidOf(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `{${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}}`;
}

export class BitbucketCloudState {
  readonly users = new Map<number, User>();
  readonly workspaces = new Map<number, Workspace>();
  readonly projects = new Map<number, Project>();
  /** Keyed `${workspaceId}:${slug}`. */
  readonly groups = new Map<string, Group>();
  readonly repos = new Map<number, Repository>();
  readonly hooks = new Map<string, Hook>();
  readonly accessTokens = new Map<string, AccessToken>();
  /** OAuth consumers' workspaces (client_id → workspace id). */
  readonly consumers = new Map<string, number>();
  private seq = 0;
  private clock = Date.parse('2026-01-01T00:00:00Z');

  constructor(private readonly gitRoot: string) {}

  id(): number {
    return ++this.seq;
  }
  tick(): number {
    this.clock += 1000;
    return this.clock;
  }

  addUser(nickname: string, opts: { displayName?: string; email?: string; username?: string; accountId?: string } = {}): User {
    if (this.findUser(nickname) !== undefined) throw new Error(`user ${nickname} exists`);
    const id = this.id();
    const u: User = {
      id,
      uuid: uuidOf(`user:${nickname}`),
      accountId: opts.accountId ?? `5f${createHash('sha256').update(nickname).digest('hex').slice(0, 22)}`,
      nickname,
      username: opts.username ?? nickname.toLowerCase(),
      displayName: opts.displayName ?? nickname,
      email: opts.email ?? `${nickname.toLowerCase()}@example.test`,
      appPasswords: new Set(),
      apiTokens: new Set(),
    };
    this.users.set(id, u);
    return u;
  }
  findUser(key: string): User | undefined {
    return [...this.users.values()].find((u) => u.nickname === key || u.username === key || u.uuid === key || u.accountId === key);
  }
  user(key: string): User {
    const u = this.findUser(key);
    if (u === undefined) throw new Error(`no user ${key}`);
    return u;
  }
  /** An app password: HTTP Basic with the Bitbucket username. */
  addAppPassword(user: string, password: string): void {
    this.user(user).appPasswords.add(password);
  }
  /** An Atlassian API token: Basic with the account email on the API (the username or x-bitbucket-api-token-auth over git). */
  addApiToken(user: string, token: string): void {
    this.user(user).apiTokens.add(token);
  }
  /** An OAuth access token as the authorize flow would issue it (tests may add one directly). */
  addAccessToken(value: string, who: { user: string } | { consumer: string }, opts: { scopes?: string[]; expiresAt?: number } = {}): AccessToken {
    const t: AccessToken = {
      value,
      userId: 'user' in who ? this.user(who.user).id : null,
      consumer: 'consumer' in who ? { clientId: who.consumer, workspaceId: this.consumerWorkspace(who.consumer) } : null,
      scopes: opts.scopes ?? ['repository', 'account', 'webhook', 'project', 'team'],
      expiresAt: opts.expiresAt ?? Date.now() + 7200 * 1000,
    };
    this.accessTokens.set(value, t);
    return t;
  }
  consumerWorkspace(clientId: string): number {
    const w = this.consumers.get(clientId);
    if (w === undefined) throw new Error(`no consumer ${clientId}`);
    return w;
  }

  addWorkspace(slug: string, opts: { name?: string; isPrivate?: boolean } = {}): Workspace {
    if (this.findWorkspace(slug) !== undefined) throw new Error(`workspace ${slug} exists`);
    if (['site', 'api', 'account'].includes(slug)) throw new Error(`${slug} is reserved by the fake's routes`);
    const w: Workspace = { id: this.id(), uuid: uuidOf(`workspace:${slug}`), slug, name: opts.name ?? slug, isPrivate: opts.isPrivate ?? true, members: new Map() };
    this.workspaces.set(w.id, w);
    return w;
  }
  findWorkspace(slugOrUuid: string): Workspace | undefined {
    return [...this.workspaces.values()].find((w) => w.slug === slugOrUuid || w.uuid === slugOrUuid);
  }
  workspace(slug: string): Workspace {
    const w = this.findWorkspace(slug);
    if (w === undefined) throw new Error(`no workspace ${slug}`);
    return w;
  }
  /** Adds or changes a membership (null removes it, and the user from the workspace's groups). */
  setMember(ws: string, user: string, role: Role | null = 'member'): void {
    const w = this.workspace(ws);
    const u = this.user(user);
    if (role !== null) {
      w.members.set(u.id, role);
      return;
    }
    w.members.delete(u.id);
    for (const g of this.groups.values()) if (g.workspaceId === w.id) g.members.delete(u.id);
  }

  addProject(ws: string, key: string, opts: { name?: string; isPrivate?: boolean } = {}): Project {
    const w = this.workspace(ws);
    if (this.findProject(ws, key) !== undefined) throw new Error(`project ${key} exists`);
    const p: Project = { id: this.id(), uuid: uuidOf(`project:${ws}:${key}`), key, name: opts.name ?? key, workspaceId: w.id, isPrivate: opts.isPrivate ?? true, users: new Map(), groups: new Map() };
    this.projects.set(p.id, p);
    return p;
  }
  findProject(ws: string, key: string): Project | undefined {
    const w = this.findWorkspace(ws);
    return [...this.projects.values()].find((p) => p.workspaceId === w?.id && p.key === key);
  }
  project(ws: string, key: string): Project {
    const p = this.findProject(ws, key);
    if (p === undefined) throw new Error(`no project ${ws}/${key}`);
    return p;
  }

  addGroup(ws: string, slug: string, opts: { name?: string; members?: string[]; permission?: Permission | null; autoAdd?: boolean } = {}): Group {
    const w = this.workspace(ws);
    const g: Group = { slug, name: opts.name ?? slug, workspaceId: w.id, members: new Set(), permission: opts.permission ?? null, autoAdd: opts.autoAdd ?? false };
    this.groups.set(`${w.id}:${slug}`, g);
    for (const m of opts.members ?? []) this.addGroupMember(ws, slug, m);
    return g;
  }
  group(ws: string, slug: string): Group {
    const g = this.groups.get(`${this.workspace(ws).id}:${slug}`);
    if (g === undefined) throw new Error(`no group ${ws}:${slug}`);
    return g;
  }
  groupsOf(w: Workspace): Group[] {
    return [...this.groups.values()].filter((g) => g.workspaceId === w.id).sort((a, b) => a.slug.localeCompare(b.slug));
  }
  addGroupMember(ws: string, slug: string, user: string): void {
    this.group(ws, slug).members.add(this.user(user).id);
  }
  removeGroupMember(ws: string, slug: string, user: string): void {
    this.group(ws, slug).members.delete(this.user(user).id);
  }

  async addRepo(ws: string, slug: string, opts: { project?: string; name?: string; isPrivate?: boolean; mainbranch?: string; files?: Record<string, string> } = {}): Promise<Repository> {
    const w = this.workspace(ws);
    if (this.findRepo(ws, slug) !== undefined) throw new Error(`repository ${ws}/${slug} exists`);
    const project = opts.project !== undefined ? this.project(ws, opts.project) : ([...this.projects.values()].find((p) => p.workspaceId === w.id) ?? this.addProject(ws, 'PROJ', { name: 'Untitled project' }));
    const id = this.id();
    const gitDir = join(this.gitRoot, `${id}.git`);
    const mainbranch = opts.mainbranch ?? 'main';
    await initBare(gitDir, mainbranch);
    const r: Repository = {
      id,
      uuid: uuidOf(`repo:${ws}:${slug}:${id}`),
      slug,
      name: opts.name ?? slug,
      workspaceId: w.id,
      projectId: project.id,
      isPrivate: opts.isPrivate ?? true,
      mainbranch,
      gitDir,
      users: new Map(),
      groups: new Map(),
      createdOn: this.tick(),
    };
    this.repos.set(id, r);
    if (opts.files !== undefined) await this.commit(ws, slug, opts.files, { message: 'Initial commit' });
    return r;
  }
  findRepo(ws: string, slug: string): Repository | undefined {
    const w = this.findWorkspace(ws);
    if (w === undefined) return undefined;
    const want = slug.toLowerCase();
    return [...this.repos.values()].find((r) => r.workspaceId === w.id && (r.slug === want || r.uuid === slug));
  }
  repo(ws: string, slug: string): Repository {
    const r = this.findRepo(ws, slug);
    if (r === undefined) throw new Error(`no repository ${ws}/${slug}`);
    return r;
  }
  workspaceOf(r: { workspaceId: number }): Workspace {
    const w = this.workspaces.get(r.workspaceId);
    if (w === undefined) throw new Error('no workspace');
    return w;
  }
  projectOf(r: Repository): Project {
    const p = this.projects.get(r.projectId);
    if (p === undefined) throw new Error('no project');
    return p;
  }
  reposOf(w: Workspace): Repository[] {
    return [...this.repos.values()].filter((r) => r.workspaceId === w.id).sort((a, b) => a.slug.localeCompare(b.slug));
  }
  removeRepo(ws: string, slug: string): void {
    this.repos.delete(this.repo(ws, slug).id);
  }
  /** Commits files (null deletes) on a branch (default the main branch); an optional lightweight tag. Returns the sha. */
  async commit(ws: string, slug: string, files: Record<string, string | Buffer | null>, opts: { branch?: string; tag?: string; message?: string } = {}): Promise<string> {
    const r = this.repo(ws, slug);
    return gitCommit(r.gitDir, opts.branch ?? r.mainbranch, r.mainbranch, files, { message: opts.message ?? 'Update files', tag: opts.tag, when: this.tick() });
  }
  readFile(r: Repository, ref: string, path: string): Promise<{ content: Buffer; sha: string } | null> {
    return gitReadFile(r.gitDir, ref, path);
  }
  readDir(r: Repository, ref: string, path: string): Promise<DirEntry[] | null> {
    return gitReadDir(r.gitDir, ref, path);
  }

  /** An explicit repository permission for a user or a group (null removes it). */
  grantRepo(ws: string, slug: string, who: { user: string } | { group: string }, permission: Permission | null): void {
    const r = this.repo(ws, slug);
    setGrant(this, ws, r, who, permission);
  }
  /** A project permission (applies to every repository of the project). */
  grantProject(ws: string, key: string, who: { user: string } | { group: string }, permission: Permission | null): void {
    setGrant(this, ws, this.project(ws, key), who, permission);
  }

  role(w: Workspace, p: Principal): Role | null {
    if (p === null) return null;
    if (p.kind === 'consumer') return p.workspaceId === w.id ? 'owner' : null;
    return w.members.get(p.user.id) ?? null;
  }
  private granted(g: { users: Map<number, Level>; groups: Map<string, Level> }, w: Workspace, u: User): Level {
    let level = g.users.get(u.id) ?? 0;
    for (const [slug, l] of g.groups) if (l > level && this.groups.get(`${w.id}:${slug}`)?.members.has(u.id) === true) level = l;
    return level;
  }
  /** What a user holds without public read: owners admin, else the highest explicit, group or project permission. */
  userLevel(u: User, r: Repository): Level {
    const w = this.workspaceOf(r);
    const role = w.members.get(u.id);
    if (role === 'owner') return 3;
    // Permissions of someone who left the workspace no longer apply (Bitbucket removes them with the member).
    if (role === undefined) return 0;
    return Math.max(this.granted(r, w, u), this.granted(this.projectOf(r), w, u)) as Level;
  }
  /** The effective level of a principal on a repository (public repositories: read for anyone). */
  repoLevel(p: Principal, r: Repository): Level {
    const pub: Level = r.isPrivate ? 0 : 1;
    if (p === null) return pub;
    if (p.kind === 'consumer') return p.workspaceId === r.workspaceId ? 3 : pub;
    return Math.max(this.userLevel(p.user, r), pub) as Level;
  }

  addHook(subject: Hook['subject'], spec: { url: string; description?: string; events: string[]; active?: boolean; secret?: string | null }): Hook {
    const h: Hook = {
      uuid: uuidOf(`hook:${this.id()}`),
      url: spec.url,
      description: spec.description ?? '',
      active: spec.active ?? true,
      events: spec.events,
      secret: spec.secret === undefined || spec.secret === '' ? null : spec.secret,
      subject,
      createdAt: this.tick(),
    };
    this.hooks.set(h.uuid, h);
    return h;
  }
  hooksOf(subject: Hook['subject']): Hook[] {
    return [...this.hooks.values()].filter((h) => h.subject.type === subject.type && h.subject.id === subject.id);
  }
}

function setGrant(s: BitbucketCloudState, ws: string, target: { users: Map<number, Level>; groups: Map<string, Level> }, who: { user: string } | { group: string }, permission: Permission | null): void {
  const level = permission === null ? 0 : LEVEL[permission];
  if ('user' in who) {
    const id = s.user(who.user).id;
    if (level === 0) target.users.delete(id);
    else target.users.set(id, level);
  } else {
    s.group(ws, who.group);
    if (level === 0) target.groups.delete(who.group);
    else target.groups.set(who.group, level);
  }
}

/** What `git init --bare --initial-branch=<branch>` writes, without a git process. */
async function initBare(gitDir: string, branch: string): Promise<void> {
  if (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.includes('..')) throw new Error(`not a branch name: ${branch}`);
  for (const d of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags']) await mkdir(join(gitDir, d), { recursive: true });
  await writeFile(join(gitDir, 'HEAD'), `ref: refs/heads/${branch}\n`);
  await writeFile(join(gitDir, 'config'), '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n');
}
