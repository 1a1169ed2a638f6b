// A typed in-memory forge for tests: `FakeForge implements Forge`, its snapshots built from a small
// forge-neutral world (users, members and owners, teams with parents and members, repositories
// with composer.json, grants, direct readers, blocked users). It behaves as the contract in
// src/forges/types.ts says a forge does: team listings give effective members (child teams'
// included), blocked users are left out of everything, and failures are ForgeErrors injected per
// call (`fail`), never a partial answer. Tests change `world` between syncs.
import { ForgeError, type CodeCredential, type DirectReader, type Forge, type ForgeGrant, type ForgeOAuth, type ForgeWebhooks, type ForgeMember, type ForgeRepository, type ForgeTeam,
  type ForgeTeamMember, type ForgeUser, type GrantSubject, type HookRequest, type HookVerification, type OrgSnapshot, type SourceInfo } from '../../src/forges/types.js';

export interface WorldUser extends ForgeUser {
  /** Blocked, deactivated or deleted on the forge: left out of every answer. */
  blocked?: boolean;
}

export interface WorldTeam {
  id: string;
  slug: string;
  name?: string;
  parentId?: string | null;
  /** Direct members (user ids, or with a role); effective members add child teams' members. */
  members?: Array<string | { userId: string; role: 'maintainer' | 'member' }>;
}

export interface WorldRepository {
  id: string;
  /** Full path (owner/name, group/sub/project). */
  fullName: string;
  visibility?: ForgeRepository['visibility'];
  archived?: boolean;
  defaultBranch?: string;
  pushedAt?: string | null;
  /** composer.json at the default branch (a string, or an object written as JSON); absent: none. */
  composer?: string | Record<string, unknown> | null;
}

export interface WorldGrant {
  repoId: string;
  subject: GrantSubject;
  /** Default true. */
  read?: boolean;
  /** Default "read". */
  label?: string;
}

export interface World {
  org: { id: string; login: string };
  users: WorldUser[];
  /**
   * How a team's effective members are counted: `nested` (GitHub: a parent team lists its child
   * teams' members) or `inherited` (GitLab: a subgroup lists its ancestors' members). Default nested.
   */
  teamMembership?: 'nested' | 'inherited';
  /** Members of the source; `owners` are members too. */
  members?: string[];
  owners?: string[];
  teams?: WorldTeam[];
  repositories?: WorldRepository[];
  grants?: WorldGrant[];
  /** Direct readers by repository id. */
  directReaders?: Record<string, Array<{ userId: string; read?: boolean; label?: string }>>;
  /** What the forge could not tell (OrgSnapshot.notes), returned as is. */
  notes?: string[];
}

export type FakeCall = 'snapshot' | 'directReaders' | 'composerJson' | 'repository' | 'codeCredential' | 'ensureWebhook' | 'describeSource';

export interface FakeForgeOptions {
  type?: string;
  integrationId?: string;
  displayName?: string;
  /** Base of clone URLs (default https://git.example). */
  webUrl?: string;
  /** Optional capabilities, as a forge declares them (absent by default). */
  oauth?: ForgeOAuth;
  webhooks?: ForgeWebhooks;
}

export class FakeForge implements Forge {
  readonly type: string;
  readonly integrationId: string;
  readonly displayName: string;
  readonly webUrl: string;
  readonly oauth?: ForgeOAuth;
  readonly webhooks?: ForgeWebhooks;
  /** Failures to throw, per call, until cleared (null or absent: answer). */
  fail: Partial<Record<FakeCall, ForgeError | null>> = {};
  /** Every call made, in order, with its argument (source, repository full name). */
  readonly calls: Array<{ call: FakeCall; arg: string }> = [];
  /** The webhook verification answer (or a function of the request); default: refused. */
  hook: HookVerification | ((req: HookRequest, secret: string) => HookVerification) | null = null;
  /** codeCredential's answer; default: it throws `unavailable`. */
  credential: CodeCredential | null = null;

  constructor(public world: World, opts: FakeForgeOptions = {}) {
    this.type = opts.type ?? 'fake';
    this.integrationId = opts.integrationId ?? 'fake';
    this.displayName = opts.displayName ?? 'Fake forge';
    this.webUrl = (opts.webUrl ?? 'https://git.example').replace(/\/+$/, '');
    if (opts.oauth) this.oauth = opts.oauth;
    if (opts.webhooks) this.webhooks = opts.webhooks;
  }

  private enter(call: FakeCall, arg: string): void {
    this.calls.push({ call, arg });
    const failure = this.fail[call];
    if (failure) throw failure;
  }

  /** How many times `call` was made. */
  count(call: FakeCall): number {
    return this.calls.filter((c) => c.call === call).length;
  }

  private active(): Map<string, ForgeUser> {
    const out = new Map<string, ForgeUser>();
    for (const u of this.world.users) {
      if (u.blocked) continue;
      const user: ForgeUser = { id: u.id, login: u.login };
      if (u.name !== undefined) user.name = u.name;
      if (u.email !== undefined) user.email = u.email;
      out.set(u.id, user);
    }
    return out;
  }

  toRepository(r: WorldRepository): ForgeRepository {
    const name = r.fullName.split('/').pop() ?? r.fullName;
    return {
      id: r.id, fullName: r.fullName, name, defaultBranch: r.defaultBranch ?? 'main', visibility: r.visibility ?? 'private',
      archived: r.archived ?? false, cloneUrl: `${this.webUrl}/${r.fullName}.git`, sshUrl: null, pushedAt: r.pushedAt === undefined ? null : r.pushedAt,
    };
  }

  /**
   * A team's effective members: its own and its descendants' (nested) or ancestors' (inherited),
   * one entry per user; the team's own role for a user wins, then the first one met.
   */
  private effectiveMembers(teamId: string, active: Map<string, ForgeUser>): ForgeTeamMember[] {
    const teams = this.world.teams ?? [];
    const inherited = this.world.teamMembership === 'inherited';
    const out = new Map<string, ForgeTeamMember>();
    const queue = [teamId];
    const seen = new Set<string>();
    while (queue.length > 0 && seen.size <= teams.length) {
      const id = queue.shift() as string;
      if (seen.has(id)) continue;
      seen.add(id);
      const team = teams.find((x) => x.id === id);
      for (const m of team?.members ?? []) {
        const member = typeof m === 'string' ? { userId: m, role: 'member' as const } : m;
        if (!active.has(member.userId)) continue;
        const had = out.get(member.userId);
        if (!had) out.set(member.userId, { ...member });
      }
      if (inherited) {
        const parent = team?.parentId;
        if (parent) queue.push(parent);
      } else {
        for (const child of teams) if (child.parentId === id) queue.push(child.id);
      }
    }
    return [...out.values()];
  }

  async describeSource(source: string): Promise<SourceInfo | null> {
    this.enter('describeSource', source);
    if (source !== this.world.org.login) return null;
    return { login: this.world.org.login, name: null, repositories: (this.world.repositories ?? []).length };
  }

  async snapshot(source: string): Promise<OrgSnapshot> {
    this.enter('snapshot', source);
    if (source !== this.world.org.login) throw new ForgeError('not-found', `no source ${source} on the fake forge`);
    const active = this.active();
    const mentioned = new Set<string>();
    const owners = new Set(this.world.owners ?? []);
    const members: ForgeMember[] = [];
    for (const id of new Set([...(this.world.owners ?? []), ...(this.world.members ?? [])])) {
      if (!active.has(id)) continue;
      members.push({ userId: id, role: owners.has(id) ? 'owner' : 'member' });
      mentioned.add(id);
    }
    const teams: ForgeTeam[] = (this.world.teams ?? []).map((x) => ({ id: x.id, slug: x.slug, name: x.name ?? x.slug, parentId: x.parentId ?? null }));
    const teamMembers = new Map<string, ForgeTeamMember[]>();
    for (const team of teams) {
      const list = this.effectiveMembers(team.id, active);
      for (const m of list) mentioned.add(m.userId);
      teamMembers.set(team.id, list);
    }
    const repositories = (this.world.repositories ?? []).map((r) => this.toRepository(r));
    const repoIds = new Set(repositories.map((r) => r.id));
    const grants: ForgeGrant[] = [];
    for (const g of this.world.grants ?? []) {
      if (!repoIds.has(g.repoId)) continue;
      if (g.subject.kind === 'user') {
        if (!active.has(g.subject.userId)) continue;
        mentioned.add(g.subject.userId);
      }
      grants.push({ repoId: g.repoId, subject: { ...g.subject }, read: g.read ?? true, label: g.label ?? 'read' });
    }
    const users = [...active.values()].filter((u) => mentioned.has(u.id));
    return { org: { ...this.world.org }, users, members, teams, teamMembers, repositories, grants, ...(this.world.notes ? { notes: [...this.world.notes] } : {}) };
  }

  async directReaders(source: string, repo: ForgeRepository): Promise<DirectReader[]> {
    this.enter('directReaders', repo.fullName);
    void source;
    const active = this.active();
    const out: DirectReader[] = [];
    for (const d of this.world.directReaders?.[repo.id] ?? []) {
      const user = active.get(d.userId);
      if (user) out.push({ user, read: d.read ?? true, label: d.label ?? 'read' });
    }
    return out;
  }

  async composerJson(repo: ForgeRepository): Promise<Buffer | null> {
    this.enter('composerJson', repo.fullName);
    const r = (this.world.repositories ?? []).find((x) => x.id === repo.id);
    if (!r || r.composer === undefined || r.composer === null) return null;
    return Buffer.from(typeof r.composer === 'string' ? r.composer : `${JSON.stringify(r.composer)}\n`);
  }

  async repository(source: string, repoId: string, fullName: string): Promise<ForgeRepository | null> {
    this.enter('repository', fullName);
    void source;
    const r = (this.world.repositories ?? []).find((x) => x.id === repoId);
    return r ? this.toRepository(r) : null;
  }

  async codeCredential(source: string): Promise<CodeCredential> {
    this.enter('codeCredential', source);
    if (!this.credential) throw new ForgeError('unavailable', 'the fake forge has no code credential');
    return { ...this.credential };
  }

  verifyHook(req: HookRequest, secret: string): HookVerification {
    if (typeof this.hook === 'function') return this.hook(req, secret);
    return this.hook ?? { ok: false, status: 401, reason: 'the fake forge expects no delivery' };
  }

  async ensureWebhook(source: string): Promise<{ id: string; created: boolean; repaired: boolean }> {
    this.enter('ensureWebhook', source);
    return { id: '1', created: false, repaired: false };
  }
}
