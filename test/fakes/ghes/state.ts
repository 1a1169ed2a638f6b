// The fake GitHub Enterprise Server's model: users, orgs, teams, repositories (each a real bare
// git repository on disk), grants, tokens, org hooks and GitHub Apps. Ids are numeric and stable.

import { generateKeyPairSync, createPublicKey, randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { git, gitCommit, gitReadDir, gitReadFile, gitRefs, type DirEntry } from '../kit/git-store.js';
import { OAuthFlow } from '../kit/oauth.js';
import {
  DEFAULT_TO_ROLE,
  LEVEL,
  REPO_ROLES,
  isoNow,
  slugify,
  type App,
  type DefaultPermission,
  type Hook,
  type Installation,
  type Org,
  type OrgRole,
  type Principal,
  type Repo,
  type RepoRole,
  type Team,
  type TeamRole,
  type User,
  type Visibility,
} from './model.js';

export * from './model.js';

export class GhesState {
  readonly users = new Map<number, User>();
  readonly orgs = new Map<number, Org>();
  readonly teams = new Map<number, Team>();
  readonly repos = new Map<number, Repo>();
  readonly hooks = new Map<number, Hook>();
  readonly apps = new Map<number, App>();
  readonly installations = new Map<number, Installation>();
  readonly tokens = new Map<string, { userId: number; scopes: string[] | null }>();
  readonly installationTokens = new Map<string, { installationId: number; expiresAt: number }>();
  /** "owner/name" (lowercase) of renamed repositories -> repo id, for 301 redirects. */
  readonly renamedRepos = new Map<string, number>();
  /** Lifetime of installation tokens; tests shorten it to exercise refresh. */
  installationTokenTtlSeconds = 3600;
  /** OAuth apps, codes and who GET /login/oauth/authorize approves as (the kit's flow). */
  readonly oauth = new OAuthFlow();
  private nextAccountId = 1;
  private nextTeamId = 1;
  private nextRepoId = 1;
  private nextHookId = 1;
  private nextInstallationId = 1;
  private commitClock = Date.parse('2024-01-01T00:00:00Z');

  constructor(readonly gitRoot: string) {}

  // ---- lookups -------------------------------------------------------------------------------

  findUser(login: string): User | undefined {
    const l = login.toLowerCase();
    for (const u of this.users.values()) if (u.login.toLowerCase() === l) return u;
    return undefined;
  }
  findOrg(login: string): Org | undefined {
    const l = login.toLowerCase();
    for (const o of this.orgs.values()) if (o.login.toLowerCase() === l) return o;
    return undefined;
  }
  findTeam(org: Org, slug: string): Team | undefined {
    for (const t of this.teams.values()) if (t.orgId === org.id && t.slug === slug.toLowerCase()) return t;
    return undefined;
  }
  findRepo(owner: string, name: string): Repo | undefined {
    const org = this.findOrg(owner);
    if (org === undefined) return undefined;
    const l = name.toLowerCase();
    for (const r of this.repos.values()) if (r.orgId === org.id && r.name.toLowerCase() === l) return r;
    return undefined;
  }
  user(login: string): User {
    const u = this.findUser(login);
    if (u === undefined) throw new Error(`fake ghes: no user ${login}`);
    return u;
  }
  org(login: string): Org {
    const o = this.findOrg(login);
    if (o === undefined) throw new Error(`fake ghes: no org ${login}`);
    return o;
  }
  team(org: string, slug: string): Team {
    const t = this.findTeam(this.org(org), slug);
    if (t === undefined) throw new Error(`fake ghes: no team ${org}/${slug}`);
    return t;
  }
  repo(org: string, name: string): Repo {
    const r = this.findRepo(org, name);
    if (r === undefined) throw new Error(`fake ghes: no repo ${org}/${name}`);
    return r;
  }
  orgOf(x: { orgId: number }): Org {
    const o = this.orgs.get(x.orgId);
    if (o === undefined) throw new Error('fake ghes: dangling org id');
    return o;
  }
  customRoleBase(org: Org, role: string): RepoRole {
    if ((REPO_ROLES as readonly string[]).includes(role)) return role as RepoRole;
    return org.customRoles.get(role) ?? 'pull';
  }

  // ---- users and tokens ----------------------------------------------------------------------

  addUser(login: string, opts: { name?: string; email?: string; siteAdmin?: boolean } = {}): User {
    if (this.findUser(login) !== undefined || this.findOrg(login) !== undefined) throw new Error(`fake ghes: login ${login} taken`);
    const now = isoNow();
    const u: User = { id: this.nextAccountId++, login, name: opts.name ?? null, email: opts.email ?? null, siteAdmin: opts.siteAdmin ?? false, createdAt: now, updatedAt: now };
    this.users.set(u.id, u);
    return u;
  }
  renameUser(login: string, newLogin: string): User {
    const u = this.user(login);
    u.login = newLogin;
    u.updatedAt = isoNow();
    return u;
  }
  /** A classic personal access token; `scopes` undefined means every scope. */
  addToken(token: string, login: string, opts: { scopes?: string[] } = {}): void {
    this.tokens.set(token, { userId: this.user(login).id, scopes: opts.scopes ?? null });
  }
  revokeToken(token: string): void {
    this.tokens.delete(token);
    this.installationTokens.delete(token);
  }

  /** The principal a raw token stands for, or null when it is unknown or expired. */
  principal(token: string): Principal | null {
    const t = this.tokens.get(token);
    if (t !== undefined) {
      const user = this.users.get(t.userId);
      return user === undefined ? null : { kind: 'user', user, scopes: t.scopes, token };
    }
    const it = this.installationTokens.get(token);
    if (it !== undefined && it.expiresAt > Date.now()) {
      const installation = this.installations.get(it.installationId);
      return installation === undefined ? null : { kind: 'installation', installation, token };
    }
    return null;
  }

  // ---- OAuth web flow (see oauth.ts) ----------------------------------------------------------

  addOAuthApp(clientId: string, clientSecret: string, opts: { callbackUrl?: string } = {}): void {
    this.oauth.addApp(clientId, clientSecret, opts.callbackUrl);
  }
  /** The next authorizations approve as this user (null: none chosen). */
  oauthAs(login: string | null): void {
    this.oauth.approveAs = login === null ? null : this.user(login).id;
    this.oauth.denied = false;
  }
  /** The next authorizations are denied by the user (error=access_denied). */
  oauthDeny(): void {
    this.oauth.denied = true;
  }

  // ---- orgs and teams ------------------------------------------------------------------------

  addOrg(login: string, opts: { defaultRepositoryPermission?: DefaultPermission; name?: string; description?: string } = {}): Org {
    if (this.findUser(login) !== undefined || this.findOrg(login) !== undefined) throw new Error(`fake ghes: login ${login} taken`);
    const now = isoNow();
    const o: Org = {
      id: this.nextAccountId++,
      login,
      name: opts.name ?? login,
      description: opts.description ?? null,
      defaultRepositoryPermission: opts.defaultRepositoryPermission ?? 'read',
      members: new Map(),
      customRoles: new Map(),
      createdAt: now,
      updatedAt: now,
    };
    this.orgs.set(o.id, o);
    return o;
  }
  addOrgMember(org: string, login: string, role: OrgRole = 'member'): void {
    this.org(org).members.set(this.user(login).id, role);
  }
  removeOrgMember(org: string, login: string): void {
    const o = this.org(org);
    const u = this.user(login);
    o.members.delete(u.id);
    for (const t of this.teams.values()) if (t.orgId === o.id) t.members.delete(u.id);
  }
  setDefaultRepositoryPermission(org: string, permission: DefaultPermission): void {
    const o = this.org(org);
    o.defaultRepositoryPermission = permission;
    o.updatedAt = isoNow();
  }
  addCustomRole(org: string, name: string, base: RepoRole): void {
    this.org(org).customRoles.set(name, base);
  }

  addTeam(org: string, opts: { slug: string; name?: string; parent?: string; description?: string; privacy?: 'closed' | 'secret' }): Team {
    const o = this.org(org);
    const slug = slugify(opts.slug);
    if (this.findTeam(o, slug) !== undefined) throw new Error(`fake ghes: team ${org}/${slug} exists`);
    const parent = opts.parent === undefined ? null : this.team(org, opts.parent);
    const now = isoNow();
    const t: Team = {
      id: this.nextTeamId++,
      orgId: o.id,
      slug,
      name: opts.name ?? opts.slug,
      description: opts.description ?? null,
      privacy: opts.privacy ?? 'closed',
      parentId: parent?.id ?? null,
      members: new Map(),
      grants: new Map(),
      createdAt: now,
      updatedAt: now,
    };
    this.teams.set(t.id, t);
    return t;
  }
  /** Removes a team; its child teams move up to its parent, as on GitHub. */
  removeTeam(org: string, slug: string): void {
    const t = this.team(org, slug);
    for (const c of this.teams.values()) if (c.parentId === t.id) c.parentId = t.parentId;
    this.teams.delete(t.id);
  }
  setTeamParent(org: string, slug: string, parent: string | null): void {
    const t = this.team(org, slug);
    t.parentId = parent === null ? null : this.team(org, parent).id;
    t.updatedAt = isoNow();
  }
  addTeamMember(org: string, slug: string, login: string, role: TeamRole = 'member'): void {
    const o = this.org(org);
    const u = this.user(login);
    if (!o.members.has(u.id)) o.members.set(u.id, 'member');
    this.team(org, slug).members.set(u.id, role);
  }
  removeTeamMember(org: string, slug: string, login: string): void {
    this.team(org, slug).members.delete(this.user(login).id);
  }
  childTeams(t: Team): Team[] {
    return [...this.teams.values()].filter((c) => c.parentId === t.id);
  }
  /** The team and all its descendants. */
  subtree(t: Team): Team[] {
    const out: Team[] = [t];
    for (let i = 0; i < out.length && i < 10_000; i++) {
      const cur = out[i];
      if (cur !== undefined) out.push(...this.childTeams(cur));
    }
    return out;
  }
  /** The team and its ancestors. */
  ancestry(t: Team): Team[] {
    const out: Team[] = [t];
    let cur: Team | undefined = t;
    for (let i = 0; i < 100 && cur?.parentId != null; i++) {
      cur = this.teams.get(cur.parentId);
      if (cur !== undefined) out.push(cur);
    }
    return out;
  }
  /** Members of a team including members of its child teams (first role seen wins: direct first). */
  teamMembersWithChildren(t: Team): Array<{ user: User; role: TeamRole; inherited: boolean }> {
    const seen = new Map<number, { user: User; role: TeamRole; inherited: boolean }>();
    for (const team of this.subtree(t)) {
      for (const [uid, role] of team.members) {
        const user = this.users.get(uid);
        if (user !== undefined && !seen.has(uid)) seen.set(uid, { user, role, inherited: team.id !== t.id });
      }
    }
    return [...seen.values()].sort((a, b) => a.user.id - b.user.id);
  }

  // ---- repositories --------------------------------------------------------------------------

  async addRepo(
    org: string,
    name: string,
    opts: { visibility?: Visibility; archived?: boolean; defaultBranch?: string; files?: Record<string, string>; description?: string } = {},
  ): Promise<Repo> {
    const o = this.org(org);
    if (this.findRepo(org, name) !== undefined) throw new Error(`fake ghes: repo ${org}/${name} exists`);
    const id = this.nextRepoId++;
    const gitDir = join(this.gitRoot, `${id}.git`);
    const defaultBranch = opts.defaultBranch ?? 'main';
    await mkdir(gitDir, { recursive: true });
    await git(gitDir, ['init', '--quiet', '--bare', '--template=', `--initial-branch=${defaultBranch}`]);
    const now = isoNow();
    const r: Repo = {
      id,
      orgId: o.id,
      name,
      description: opts.description ?? null,
      visibility: opts.visibility ?? 'private',
      archived: opts.archived ?? false,
      defaultBranch,
      gitDir,
      collaborators: new Map(),
      createdAt: now,
      updatedAt: now,
      pushedAt: now,
    };
    this.repos.set(id, r);
    await this.commit(org, name, opts.files ?? { 'README.md': `# ${name}\n` }, { message: 'Initial commit' });
    return r;
  }

  /** Adds a commit with `files` (null deletes) on `branch` (default branch), optionally a lightweight tag; returns the sha. */
  async commit(
    org: string,
    name: string,
    files: Record<string, string | Buffer | null>,
    opts: { message?: string; tag?: string; branch?: string } = {},
  ): Promise<string> {
    const r = this.repo(org, name);
    const sha = await gitCommit(r.gitDir, opts.branch ?? r.defaultBranch, r.defaultBranch, files, { message: opts.message ?? 'Update files', tag: opts.tag, when: (this.commitClock += 60_000) });
    r.pushedAt = isoNow();
    r.updatedAt = r.pushedAt;
    return sha;
  }

  /** Runs git in the repository's bare directory and returns stdout as text. */
  async gitOut(r: Repo, args: string[]): Promise<string> {
    return (await git(r.gitDir, args)).toString('utf8');
  }

  /** Deletes a branch or tag of the real repository. */
  async deleteRef(org: string, name: string, ref: string): Promise<void> {
    await git(this.repo(org, name).gitDir, ['update-ref', '-d', ref]);
    this.repo(org, name).pushedAt = isoNow();
  }

  /** A file's bytes and blob sha at `ref` (branch, tag or sha), or null when missing or not a file. */
  readFile(r: Repo, ref: string, path: string): Promise<{ content: Buffer; sha: string } | null> {
    return gitReadFile(r.gitDir, ref, path);
  }

  /** Directory entries at `ref:path`, or null when it is not a directory. */
  readDir(r: Repo, ref: string, path: string): Promise<DirEntry[] | null> {
    return gitReadDir(r.gitDir, ref, path);
  }

  /** Branches or tags of the real repository with the commit each points to, sorted by name. */
  refs(r: Repo, kind: 'heads' | 'tags'): Promise<Array<{ name: string; sha: string }>> {
    return gitRefs(r.gitDir, kind);
  }

  archiveRepo(org: string, name: string, archived = true): void {
    const r = this.repo(org, name);
    r.archived = archived;
    r.updatedAt = isoNow();
  }
  setVisibility(org: string, name: string, visibility: Visibility): void {
    const r = this.repo(org, name);
    r.visibility = visibility;
    r.updatedAt = isoNow();
  }
  renameRepo(org: string, name: string, newName: string): Repo {
    const r = this.repo(org, name);
    this.renamedRepos.set(`${this.orgOf(r).login}/${r.name}`.toLowerCase(), r.id);
    r.name = newName;
    r.updatedAt = isoNow();
    return r;
  }
  async deleteRepo(org: string, name: string): Promise<void> {
    const r = this.repo(org, name);
    this.repos.delete(r.id);
    for (const t of this.teams.values()) t.grants.delete(r.id);
    for (const [k, id] of this.renamedRepos) if (id === r.id) this.renamedRepos.delete(k);
    // Move first so a concurrent git process never sees a half-deleted directory.
    const trash = `${r.gitDir}.deleted-${randomBytes(4).toString('hex')}`;
    await rename(r.gitDir, trash);
    await rm(trash, { recursive: true, force: true });
  }

  grantTeam(org: string, slug: string, repo: string, permission: string): void {
    this.team(org, slug).grants.set(this.repo(org, repo).id, permission);
  }
  revokeTeam(org: string, slug: string, repo: string): void {
    this.team(org, slug).grants.delete(this.repo(org, repo).id);
  }
  addCollaborator(org: string, repo: string, login: string, permission: string): void {
    this.repo(org, repo).collaborators.set(this.user(login).id, permission);
  }
  removeCollaborator(org: string, repo: string, login: string): void {
    this.repo(org, repo).collaborators.delete(this.user(login).id);
  }

  // ---- access --------------------------------------------------------------------------------

  /** Teams of `org` the user belongs to directly. */
  userTeams(org: Org, userId: number): Team[] {
    return [...this.teams.values()].filter((t) => t.orgId === org.id && t.members.has(userId));
  }

  /** The user's effective access to a repository: the highest role from every source. */
  userRepoRole(user: User, r: Repo): { role: RepoRole; roleName: string } | null {
    const org = this.orgOf(r);
    let best: { role: RepoRole; roleName: string } | null = null;
    const offer = (roleName: string): void => {
      const role = this.customRoleBase(org, roleName);
      if (best === null || LEVEL[role] > LEVEL[best.role]) best = { role, roleName };
    };
    const orgRole = org.members.get(user.id);
    if (orgRole === 'admin') offer('admin');
    if (r.visibility === 'public' || r.visibility === 'internal') offer('pull');
    if (orgRole !== undefined) {
      const floor = DEFAULT_TO_ROLE[org.defaultRepositoryPermission];
      if (floor !== null) offer(floor);
      for (const t of this.userTeams(org, user.id)) {
        for (const anc of this.ancestry(t)) {
          const g = anc.grants.get(r.id);
          if (g !== undefined) offer(g);
        }
      }
    }
    const c = r.collaborators.get(user.id);
    if (c !== undefined) offer(c);
    return best;
  }

  /** What a principal may do with a repository (null: cannot even see it). */
  repoRole(p: Principal, r: Repo): { role: RepoRole; roleName: string } | null {
    if (p.kind === 'installation') return p.installation.orgId === r.orgId ? { role: 'pull', roleName: 'read' } : null;
    if (r.visibility !== 'public' && p.scopes !== null && !p.scopes.includes('repo')) return null;
    return this.userRepoRole(p.user, r);
  }

  /** Whether the principal is a member (or installation) of the org. */
  inOrg(p: Principal, org: Org): boolean {
    if (p.kind === 'installation') return p.installation.orgId === org.id;
    return org.members.has(p.user.id) || p.user.siteAdmin;
  }

  isOwner(p: Principal, org: Org): boolean {
    return p.kind === 'user' && org.members.get(p.user.id) === 'admin';
  }

  // ---- hooks ---------------------------------------------------------------------------------

  addHook(org: string, opts: { url: string; secret?: string; events?: string[]; active?: boolean; contentType?: 'json' | 'form' }): Hook {
    const o = this.org(org);
    const now = isoNow();
    const config: Hook['config'] = { url: opts.url, content_type: opts.contentType ?? 'json', insecure_ssl: '0' };
    if (opts.secret !== undefined) config.secret = opts.secret;
    const h: Hook = { id: this.nextHookId++, orgId: o.id, name: 'web', active: opts.active ?? true, events: opts.events ?? ['push'], config, createdAt: now, updatedAt: now };
    this.hooks.set(h.id, h);
    return h;
  }
  orgHooks(org: Org): Hook[] {
    return [...this.hooks.values()].filter((h) => h.orgId === org.id);
  }

  // ---- GitHub Apps ---------------------------------------------------------------------------

  /** Registers a GitHub App; generates an RSA key pair unless one is given. Returns the private key PEM. */
  addApp(opts: { appId: number; slug?: string; owner?: string; privateKeyPem?: string }): { appId: number; clientId: string; privateKeyPem: string } {
    let privateKeyPem = opts.privateKeyPem;
    if (privateKeyPem === undefined) {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      privateKeyPem = pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    }
    const publicKey = createPublicKey(privateKeyPem);
    const clientId = `Iv1.${opts.appId.toString(16).padStart(16, '0')}`;
    this.apps.set(opts.appId, { appId: opts.appId, clientId, slug: opts.slug ?? `packyard-app-${opts.appId}`, owner: opts.owner ?? null, createdAt: isoNow(), publicKey, privateKeyPem });
    return { appId: opts.appId, clientId, privateKeyPem };
  }
  installApp(appId: number, org: string): number {
    if (!this.apps.has(appId)) throw new Error(`fake ghes: no app ${appId}`);
    const o = this.org(org);
    const inst: Installation = { id: this.nextInstallationId++, appId, orgId: o.id, createdAt: isoNow() };
    this.installations.set(inst.id, inst);
    return inst.id;
  }
  uninstallApp(installationId: number): void {
    this.installations.delete(installationId);
    for (const [tok, t] of this.installationTokens) if (t.installationId === installationId) this.installationTokens.delete(tok);
  }
  createInstallationToken(installationId: number): { token: string; expiresAt: number } {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const bytes = randomBytes(36);
    let token = 'ghs_';
    for (const b of bytes) token += alphabet[b % alphabet.length];
    const expiresAt = Date.now() + this.installationTokenTtlSeconds * 1000;
    this.installationTokens.set(token, { installationId, expiresAt });
    return { token, expiresAt };
  }
}
