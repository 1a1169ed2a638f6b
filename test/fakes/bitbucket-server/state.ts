// The fake Bitbucket Data Center's state: users, groups, projects, repositories (real bare git
// repositories via the kit), project/repository grants to users and groups, a project's default
// permission for all licensed users, HTTP access tokens (personal ones, and project tokens that
// belong to no user and work as Bearer only), webhooks per repository and per project,
// and the effective-permission rules Bitbucket applies (project grants imply repository grants).

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gitCommit, gitReadFile } from '../kit/git-store.js';

export type ProjectPermission = 'PROJECT_READ' | 'PROJECT_WRITE' | 'PROJECT_ADMIN';
export type RepoPermission = 'REPO_READ' | 'REPO_WRITE' | 'REPO_ADMIN';
/** 0 none, 1 read, 2 write, 3 admin (project and repository levels line up). */
export type Level = 0 | 1 | 2 | 3;

export const LEVEL_OF: Record<string, Level> = { PROJECT_READ: 1, PROJECT_WRITE: 2, PROJECT_ADMIN: 3, REPO_READ: 1, REPO_WRITE: 2, REPO_ADMIN: 3 };
export const PROJECT_NAME: Record<number, ProjectPermission> = { 1: 'PROJECT_READ', 2: 'PROJECT_WRITE', 3: 'PROJECT_ADMIN' };
export const REPO_NAME: Record<number, RepoPermission> = { 1: 'REPO_READ', 2: 'REPO_WRITE', 3: 'REPO_ADMIN' };

export interface User {
  id: number;
  name: string;
  slug: string;
  displayName: string;
  emailAddress: string;
  active: boolean;
  /** SYS_ADMIN: every project and repository at admin level, /admin/* endpoints. */
  sysAdmin: boolean;
  password: string | null;
}
export interface Grants {
  users: Map<number, Level>;
  groups: Map<string, Level>;
}
export interface Project {
  id: number;
  key: string;
  name: string;
  description: string | null;
  public: boolean;
  /** The "all licensed users" grant: 0 none, 1 PROJECT_READ, 2 PROJECT_WRITE. */
  defaultPermission: 0 | 1 | 2;
  grants: Grants;
}
export interface Repository {
  id: number;
  slug: string;
  name: string;
  projectId: number;
  public: boolean;
  archived: boolean;
  defaultBranch: string;
  gitDir: string;
  grants: Grants;
}
export interface Token {
  value: string;
  userId: number;
  /** False: administrative endpoints refuse it (Atlassian KB on HTTP access tokens). */
  adminEndpoints: boolean;
  /** OAuth 2 scopes (null: an HTTP access token with the user's full rights). */
  scopes: string[] | null;
  /** ms since epoch after which the token is refused (null: never). */
  expiresAt: number | null;
  /**
   * A project HTTP access token: no user's, accepted as Bearer only (Basic with any name is
   * refused), with `level` on one project and its repositories and nothing else (`userId` is its
   * bot user's, which no listing shows). Null: a personal token.
   */
  project: { projectId: number; level: Level } | null;
}

/** What OAuth scopes let a token do, whatever the user may: levels on projects and repositories. */
export interface Cap {
  project: Level;
  repo: Level;
  publicOnly: boolean;
  admin: boolean;
}
const FULL: Cap = { project: 3, repo: 3, publicOnly: false, admin: true };

/** Bitbucket's OAuth 2 scopes (a user's own permission is still the ceiling). */
export function capOf(t: Token | null | undefined): Cap {
  if (t === null || t === undefined || t.scopes === null) return FULL;
  const has = (s: string): boolean => t.scopes?.includes(s) === true;
  if (has('SYSTEM_ADMIN') || has('ADMIN_WRITE')) return FULL;
  if (has('PROJECT_ADMIN')) return { project: 3, repo: 3, publicOnly: false, admin: false };
  const repo: Level = has('REPO_ADMIN') ? 3 : has('REPO_WRITE') ? 2 : has('REPO_READ') ? 1 : 0;
  if (repo > 0) return { project: 1, repo, publicOnly: false, admin: false };
  return { project: 1, repo: 1, publicOnly: true, admin: false };
}
export interface Hook {
  id: number;
  name: string;
  url: string;
  active: boolean;
  events: string[];
  secret: string | null;
  scope: { type: 'repository'; id: number } | { type: 'project'; id: number };
  createdDate: number;
  updatedDate: number;
}

export class BitbucketState {
  readonly users = new Map<number, User>();
  readonly groups = new Map<string, Set<number>>();
  readonly projects = new Map<number, Project>();
  readonly repos = new Map<number, Repository>();
  readonly tokens = new Map<string, Token>();
  /** The users project tokens act as: authenticated, but in no listing and holding no grant. */
  readonly bots = new Map<number, User>();
  readonly hooks = new Map<number, Hook>();
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

  addUser(name: string, opts: { displayName?: string; emailAddress?: string; active?: boolean; sysAdmin?: boolean; password?: string; slug?: string } = {}): User {
    if (this.findUser(name) !== undefined) throw new Error(`user ${name} exists`);
    const u: User = {
      id: this.id(),
      name,
      slug: opts.slug ?? name.toLowerCase().replace(/[^a-z0-9._-]/g, '_'),
      displayName: opts.displayName ?? name,
      emailAddress: opts.emailAddress ?? `${name.toLowerCase()}@example.test`,
      active: opts.active ?? true,
      sysAdmin: opts.sysAdmin ?? false,
      password: opts.password ?? null,
    };
    this.users.set(u.id, u);
    return u;
  }
  findUser(nameOrSlug: string): User | undefined {
    return [...this.users.values()].find((u) => u.name === nameOrSlug || u.slug === nameOrSlug);
  }
  user(nameOrSlug: string): User {
    const u = this.findUser(nameOrSlug);
    if (u === undefined) throw new Error(`no user ${nameOrSlug}`);
    return u;
  }
  addToken(value: string, user: string, opts: { adminEndpoints?: boolean; scopes?: string[] | null; expiresAt?: number | null } = {}): Token {
    const t: Token = { value, userId: this.user(user).id, adminEndpoints: opts.adminEndpoints ?? true, scopes: opts.scopes ?? null, expiresAt: opts.expiresAt ?? null, project: null };
    this.tokens.set(value, t);
    return t;
  }
  /** A project HTTP access token (Bearer only) with `permission` on the project; its bot user is in `bots`, not `users`. */
  addProjectToken(value: string, projectKey: string, permission: ProjectPermission): Token {
    const p = this.project(projectKey);
    const id = this.id();
    const name = `bot-project-${p.key.toLowerCase()}-${id}`;
    this.bots.set(id, { id, name, slug: name, displayName: `${p.key} token`, emailAddress: '', active: true, sysAdmin: false, password: null });
    const t: Token = { value, userId: id, adminEndpoints: false, scopes: null, expiresAt: null, project: { projectId: p.id, level: LEVEL_OF[permission] ?? 0 } };
    this.tokens.set(value, t);
    return t;
  }
  addGroup(name: string, members: string[] = []): void {
    if (!this.groups.has(name)) this.groups.set(name, new Set());
    for (const m of members) this.addGroupMember(name, m);
  }
  addGroupMember(group: string, user: string): void {
    const g = this.groups.get(group);
    if (g === undefined) throw new Error(`no group ${group}`);
    g.add(this.user(user).id);
  }
  removeGroupMember(group: string, user: string): void {
    this.groups.get(group)?.delete(this.user(user).id);
  }
  groupsOf(u: User): string[] {
    return [...this.groups.entries()].filter(([, m]) => m.has(u.id)).map(([g]) => g);
  }

  addProject(key: string, opts: { name?: string; description?: string; public?: boolean; defaultPermission?: 'PROJECT_READ' | 'PROJECT_WRITE' | null } = {}): Project {
    if (this.findProject(key) !== undefined) throw new Error(`project ${key} exists`);
    const p: Project = {
      id: this.id(),
      key: key.toUpperCase(),
      name: opts.name ?? key,
      description: opts.description ?? null,
      public: opts.public ?? false,
      defaultPermission: opts.defaultPermission === 'PROJECT_WRITE' ? 2 : opts.defaultPermission === 'PROJECT_READ' ? 1 : 0,
      grants: { users: new Map(), groups: new Map() },
    };
    this.projects.set(p.id, p);
    return p;
  }
  findProject(key: string): Project | undefined {
    const want = key.toUpperCase();
    return [...this.projects.values()].find((p) => p.key === want);
  }
  project(key: string): Project {
    const p = this.findProject(key);
    if (p === undefined) throw new Error(`no project ${key}`);
    return p;
  }

  async addRepo(
    projectKey: string,
    slug: string,
    opts: { name?: string; public?: boolean; archived?: boolean; defaultBranch?: string; files?: Record<string, string> } = {},
  ): Promise<Repository> {
    const p = this.project(projectKey);
    if (this.findRepo(projectKey, slug) !== undefined) throw new Error(`repository ${projectKey}/${slug} exists`);
    const id = this.id();
    const gitDir = join(this.gitRoot, `${id}.git`);
    const defaultBranch = opts.defaultBranch ?? 'main';
    await initBare(gitDir, defaultBranch);
    const r: Repository = {
      id,
      slug,
      name: opts.name ?? slug,
      projectId: p.id,
      public: opts.public ?? false,
      archived: opts.archived ?? false,
      defaultBranch,
      gitDir,
      grants: { users: new Map(), groups: new Map() },
    };
    this.repos.set(id, r);
    if (opts.files !== undefined) await this.commit(projectKey, slug, opts.files, { message: 'Initial commit' });
    return r;
  }
  findRepo(projectKey: string, slug: string): Repository | undefined {
    const p = this.findProject(projectKey);
    if (p === undefined) return undefined;
    return [...this.repos.values()].find((r) => r.projectId === p.id && r.slug === slug.toLowerCase());
  }
  repo(projectKey: string, slug: string): Repository {
    const r = this.findRepo(projectKey, slug);
    if (r === undefined) throw new Error(`no repository ${projectKey}/${slug}`);
    return r;
  }
  projectOf(r: Repository): Project {
    const p = this.projects.get(r.projectId);
    if (p === undefined) throw new Error('repository without project');
    return p;
  }
  reposOf(p: Project): Repository[] {
    return [...this.repos.values()].filter((r) => r.projectId === p.id);
  }
  /** Renames a repository (its slug follows the name, as Bitbucket does); returns the old copy. */
  renameRepo(projectKey: string, slug: string, name: string): { old: Repository; now: Repository } {
    const r = this.repo(projectKey, slug);
    const old = { ...r };
    r.name = name;
    r.slug = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
    return { old, now: r };
  }
  async commit(projectKey: string, slug: string, files: Record<string, string | Buffer | null>, opts: { branch?: string; tag?: string; message?: string } = {}): Promise<string> {
    const r = this.repo(projectKey, slug);
    return gitCommit(r.gitDir, opts.branch ?? r.defaultBranch, r.defaultBranch, files, { message: opts.message ?? 'Update files', tag: opts.tag, when: this.tick() });
  }
  readFile(r: Repository, ref: string, path: string): Promise<{ content: Buffer; sha: string } | null> {
    return gitReadFile(r.gitDir, ref, path);
  }

  grantProject(key: string, who: { user: string } | { group: string }, permission: ProjectPermission | null): void {
    setGrant(this, this.project(key).grants, who, permission);
  }
  grantRepo(key: string, slug: string, who: { user: string } | { group: string }, permission: RepoPermission | null): void {
    setGrant(this, this.repo(key, slug).grants, who, permission);
  }

  /** The user's explicit level from grants (direct or through any of its groups). */
  private granted(g: Grants, u: User): Level {
    let level = g.users.get(u.id) ?? 0;
    // Walks the grant's few groups, not every group of the server (the same answer as groupsOf(u)).
    for (const [name, l] of g.groups) if (l > level && this.groups.get(name)?.has(u.id) === true) level = l;
    return level;
  }
  /** Effective project level: sys admin 3, grants, the default permission, public projects read; capped by a token's scopes. */
  projectLevel(u: User | null, p: Project, token?: Token | null): Level {
    if (token?.project) return p.id === token.project.projectId ? token.project.level : p.public ? 1 : 0;
    const cap = capOf(token);
    if (u === null || (cap.publicOnly && !p.public)) return p.public ? 1 : 0;
    if (!u.active) return 0;
    const level = u.sysAdmin ? 3 : Math.max(this.granted(p.grants, u), p.defaultPermission, p.public ? 1 : 0);
    return Math.min(level, cap.project) as Level;
  }
  /** Effective repository level: the project's level, the repository's grants, public read; capped by a token's scopes. */
  repoLevel(u: User | null, r: Repository, token?: Token | null): Level {
    if (token?.project) return r.projectId === token.project.projectId ? token.project.level : r.public || this.projectOf(r).public ? 1 : 0;
    const cap = capOf(token);
    const pub: Level = r.public || this.projectOf(r).public ? 1 : 0;
    if (u === null || !u.active || cap.publicOnly) return pub;
    const level = u.sysAdmin ? 3 : Math.max(this.projectLevel(u, this.projectOf(r)), this.granted(r.grants, u), pub);
    return Math.min(level, cap.repo) as Level;
  }
  /** PROJECT_VIEW: some level on the project or on one of its repositories. */
  canViewProject(u: User | null, p: Project, token?: Token | null): boolean {
    return this.projectLevel(u, p, token) > 0 || this.reposOf(p).some((r) => this.repoLevel(u, r, token) > 0);
  }

  addHook(scope: Hook['scope'], spec: { name: string; url: string; events: string[]; active?: boolean; secret?: string | null }): Hook {
    const now = this.tick();
    const h: Hook = { id: this.id(), name: spec.name, url: spec.url, events: spec.events, active: spec.active ?? true, secret: spec.secret ?? null, scope, createdDate: now, updatedDate: now };
    this.hooks.set(h.id, h);
    return h;
  }
  hooksOf(scope: Hook['scope']): Hook[] {
    return [...this.hooks.values()].filter((h) => h.scope.type === scope.type && h.scope.id === scope.id);
  }
}

/**
 * What `git init --quiet --bare --template= --initial-branch=<branch>` writes, without a git
 * process (1,000 repositories of a benchmark took ~15 s of spawning on a loaded machine).
 */
async function initBare(gitDir: string, branch: string): Promise<void> {
  if (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.includes('..')) throw new Error(`not a branch name: ${branch}`);
  for (const d of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags']) await mkdir(join(gitDir, d), { recursive: true });
  await writeFile(join(gitDir, 'HEAD'), `ref: refs/heads/${branch}\n`);
  await writeFile(join(gitDir, 'config'), '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n');
}

function setGrant(s: BitbucketState, g: Grants, who: { user: string } | { group: string }, permission: string | null): void {
  const level = permission === null ? 0 : (LEVEL_OF[permission] ?? 0);
  if ('user' in who) {
    const id = s.user(who.user).id;
    if (level === 0) g.users.delete(id);
    else g.users.set(id, level);
  } else {
    if (!s.groups.has(who.group)) throw new Error(`no group ${who.group}`);
    if (level === 0) g.groups.delete(who.group);
    else g.groups.set(who.group, level);
  }
}
