// The forge layer's contract: plain data that every forge (GitHub and GitHub Enterprise now;
// GitLab, Bitbucket, CodeCommit and Azure DevOps later) turns its API into, and the interface
// reconciliation and webhooks use. Nothing outside src/forges/<forge>/ knows a forge's API.

/** A forge user; `id` is the forge's stable numeric id (a renamed login keeps its access). */
export interface ForgeUser {
  id: string;
  login: string;
  name?: string | null;
  email?: string | null;
}

export interface ForgeMember extends ForgeUser {
  /** owner: administers the forge organization (GitHub org owner -> Packyard org owner). */
  role: 'owner' | 'member';
}

export interface ForgeTeam {
  id: string;
  slug: string;
  name: string;
  /** The parent team's id, or null for a top-level team. */
  parentId: string | null;
}

export interface ForgeTeamMember {
  userId: string;
  role: 'maintainer' | 'member';
}

export type RepoPermission = 'pull' | 'triage' | 'push' | 'maintain' | 'admin';

export interface ForgeRepository {
  id: string;
  /** owner/name */
  fullName: string;
  name: string;
  defaultBranch: string;
  visibility: 'public' | 'private' | 'internal';
  archived: boolean;
  /** Clone URL over https (credentials are given separately, never in the URL). */
  cloneUrl: string;
  sshUrl: string | null;
  /** Last push (ISO 8601), used to skip re-checking composer.json of unchanged repositories. */
  pushedAt: string | null;
}

/** A permission on a repository, as the forge grants it (role name kept for custom roles). */
export interface ForgeGrant {
  repoId: string;
  /** Whether the grant allows reading the code (pull or more). */
  read: boolean;
  /** pull, triage, push, maintain, admin or a custom role's name. */
  roleName: string;
}

/** Everything reconciliation needs about one forge organization, fetched completely or not at all. */
export interface OrgSnapshot {
  org: { id: string; login: string; defaultRepositoryPermission: RepoPermission | 'none' | null };
  members: ForgeMember[];
  teams: ForgeTeam[];
  /** Members of each team by team id; a parent team's listing includes its child teams' members. */
  teamMembers: Map<string, ForgeTeamMember[]>;
  /** Repositories each team can access directly, by team id. */
  teamGrants: Map<string, ForgeGrant[]>;
  repositories: ForgeRepository[];
}

/** Direct collaborators of one repository (users with access outside teams), with their grants. */
export interface Collaborator {
  userId: string;
  login: string;
  read: boolean;
  roleName: string;
}

/** A webhook delivery after verification, reduced to what Packyard acts on. */
export type HookEvent =
  | { kind: 'ping' }
  | { kind: 'push'; repo: ForgeRepository | { id: string; fullName: string }; ref: string; deleted: boolean }
  | { kind: 'ref-created' | 'ref-deleted'; repo: { id: string; fullName: string }; refType: 'tag' | 'branch'; ref: string }
  | { kind: 'release'; repo: { id: string; fullName: string }; action: string }
  | { kind: 'repository'; action: 'created' | 'deleted' | 'renamed' | 'archived' | 'unarchived' | 'transferred' | 'other'; repo: ForgeRepository | { id: string; fullName: string } }
  | { kind: 'team'; action: string; teamId: string | null }
  | { kind: 'membership'; action: string; teamId: string | null; userId: string | null }
  | { kind: 'member'; action: string; repo: { id: string; fullName: string }; userId: string | null }
  | { kind: 'organization'; action: string; userId: string | null }
  | { kind: 'ignored'; event: string };

export interface HookRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The raw body bytes exactly as received (signatures cover these). */
  body: Buffer;
}

export type HookVerification =
  | { ok: true; deliveryId: string; event: string; hook: HookEvent }
  /** Refused; `deliveryId` and `event` as the request sent them (unverified), for the delivery log. */
  | { ok: false; status: 400 | 401; reason: string; deliveryId?: string; event?: string };

/** A code credential for cloning the forge's repositories over https. */
export interface CodeCredential {
  username: string;
  password: string;
}

/** What the forge says about a sync source before an organization is created from it. */
export interface SourceInfo {
  login: string;
  name: string | null;
  /** Repositories the credential can see there, when the forge says. */
  repositories: number | null;
}

/** Optional capability: signing in with the forge (OAuth 2 authorization code, PKCE where offered). */
export interface ForgeOAuth {
  authorizeUrl: string;
  tokenUrl: string;
  scopes: string[];
  /** Whether the forge takes PKCE (S256). */
  pkce: boolean;
  /** The OAuth application's client (the integration's `oauth`): sent in the token request's form body. */
  clientId: string;
  clientSecret: string;
  /** Extra parameters of the authorize URL (GitHub: allow_signup=false). */
  authorizeParams?: Record<string, string>;
  /** Extra PEM the token request trusts besides the public CAs (the integration's ca_file). */
  ca?: string;
  /** The signed-in forge account, from the access token the exchange returned. */
  currentUser(accessToken: string): Promise<ForgeUser>;
}

/** Where a forge's webhooks are installed: once for the source, or once per package repository. */
export type HookScope = 'source' | 'repository';

/** The state of one installed (or wanted) hook after ensureWebhooks. */
export interface HookState {
  scope: HookScope;
  /** The source, or the repository's id. */
  target: string;
  hookId: string | null;
  outcome: 'ok' | 'created' | 'repaired' | 'failed';
  /** Why it failed, or what was repaired (shown on the settings page). */
  detail?: string;
}

/** Optional capability: installing and repairing webhooks in the background. */
export interface ForgeWebhooks {
  /**
   * Installs or repairs the hooks of `source` pointing at `url` with `secret`: one for the source
   * where the forge and the credential allow it (detected, never assumed), else one per repository
   * in `repositories` (the source's package repositories). Forges never return a hook's secret:
   * `secretChanged` says it may differ, so every hook gets it again. Never throws for one hook's
   * failure: it is reported in its HookState.
   */
  ensureWebhooks(
    source: string,
    repositories: ForgeRepository[],
    url: string,
    secret: string,
    opts?: { secretChanged?: boolean },
  ): Promise<{ scope: HookScope; hooks: HookState[] }>;
}

export interface Forge {
  readonly type: string;
  readonly integrationId: string;
  /** The forge's name for people: the sign-in button's and the settings' label ("GitHub", "GitLab"). */
  readonly displayName: string;
  /** Optional capabilities: absent when the forge or the configuration does not offer them. */
  readonly oauth?: ForgeOAuth;
  readonly webhooks?: ForgeWebhooks;
  /** Checks that `source` exists and the credential reaches it; null when it does not exist. */
  describeSource(source: string): Promise<SourceInfo | null>;
  /** Lists everything about `source` (GitHub: the org login). Throws ForgeError when incomplete. */
  snapshot(source: string): Promise<OrgSnapshot>;
  /** Direct collaborators of one repository (GitHub: affiliation=direct). */
  collaborators(repo: ForgeRepository): Promise<Collaborator[]>;
  /** composer.json at the default branch, or null when the repository has none. */
  composerJson(repo: ForgeRepository): Promise<Buffer | null>;
  /** One repository by id (webhooks name repositories; null when it is gone). */
  repository(source: string, repoId: string, fullName: string): Promise<ForgeRepository | null>;
  /** Credentials git uses to clone over https (GitHub App: a fresh installation token). */
  codeCredential(source: string): Promise<CodeCredential>;
  /** Verifies a webhook delivery with `secret` (constant time) and reduces it to a HookEvent. */
  verifyHook(req: HookRequest, secret: string): HookVerification;
}

/** Why a forge call failed: reconciliation refuses to remove anything after any of these. */
export type ForgeErrorKind =
  | 'unavailable' // network error, timeout, 5xx after retries: "forge unavailable"
  | 'unauthorized' // 401: bad or expired token
  | 'forbidden' // 403 without rate limiting: missing scope or permission
  | 'not-found' // 404 where the thing must exist (org, team)
  | 'rate-limited' // 403/429 with rate-limit headers after waiting as long as allowed
  | 'incomplete' // pagination cap hit, cross-origin next link, malformed page
  | 'invalid'; // a response that does not have the documented shape

export class ForgeError extends Error {
  constructor(
    readonly kind: ForgeErrorKind,
    message: string,
    readonly details: { url?: string; status?: number; integration?: string } = {},
  ) {
    super(message);
    this.name = 'ForgeError';
  }
}

export function isForgeError(e: unknown): e is ForgeError {
  return e instanceof ForgeError;
}
