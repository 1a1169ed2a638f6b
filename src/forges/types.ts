// The forge layer's contract: plain data that every forge (GitHub and GitHub Enterprise, GitLab,
// Bitbucket Data Center, Bitbucket Cloud) turns its API into, and the interface reconciliation,
// sign-in and webhooks use. Nothing outside src/forges/<forge>/ knows a forge's API or words.
//
// Semantics (the same for every forge):
// - Users are keyed by the forge's stable id (numeric id, account uuid), never by login: a renamed
//   login keeps its access. A user the forge reports as blocked, deactivated or deleted is left
//   out of the snapshot entirely, so the plan takes everything they had away.
// - Reading is the only right Packyard gives. A grant says whether its subject reads a
//   repository (`read`) and carries the forge's own word for why (`label`: "push", "Reporter",
//   "REPO_READ", "shared with acme/qa (Developer)"), which is shown, never interpreted.
// - Who reads a repository: the subjects of its grants. A team grant reaches every member of the
//   team (the forge lists a team's effective members: nested teams' and subgroups' members
//   included, as the forge counts them); a user grant reaches one user; a `members` grant reaches
//   every member of the organization (GitHub's default repository permission, internal
//   visibility). Direct readers of one repository (collaborators, project members, repository
//   users) come from `directReaders`, asked only for repositories that are packages.
// - Organization membership is derived from what the forge says belongs to the source (GitHub:
//   the org's members; GitLab: members of the source group's tree; Bitbucket: holders of a
//   permission on a source project), never assumed from a grant. A user who reads a repository
//   only through a user grant or through a team of a group outside the source (a GitLab project
//   member, a shared-in group's member, a Bitbucket repository user) is created and reads that
//   package, may sign in and create a token, and is not a member: the organization's other
//   pages and packages stay closed to them. Owners are the users the forge makes administrators
//   of the source (GitHub org owners, GitLab Owners of the source group, Bitbucket PROJECT_ADMIN).
// - Fail closed: every listing is complete or the call throws ForgeError; a partial snapshot is
//   never returned, so nothing is ever removed on a forge failure.
// - Notes: what the forge could not tell in this snapshot (an admin-only listing refused, an API
//   retired), in the forge adapter's words. They are shown as is (sync run, CLI, UI), never
//   interpreted, and never used to guess access: the snapshot is complete without them.

/** A forge user; `id` is the forge's stable id. */
export interface ForgeUser {
  id: string;
  login: string;
  name?: string | null;
  email?: string | null;
}

/** A user who belongs to the organization's source on the forge, with the role Packyard gives them. */
export interface ForgeMember {
  userId: string;
  /** owner: administers the source on the forge (becomes an owner of the Packyard organization). */
  role: 'owner' | 'member';
}

export interface ForgeTeam {
  /** The forge's stable id of the team, group or project the team stands for. */
  id: string;
  /** Unique within the snapshot; shown in the UI (GitLab: the group's full path). */
  slug: string;
  name: string;
  /** The parent team's id (nested team, subgroup), or null at the top. */
  parentId: string | null;
}

export interface ForgeTeamMember {
  userId: string;
  /** maintainer: manages the team on the forge (shown only; it reads like any member). */
  role: 'maintainer' | 'member';
}

export interface ForgeRepository {
  id: string;
  /** The forge's full path of the repository (owner/name, group/sub/project, PROJECT/slug). */
  fullName: string;
  name: string;
  defaultBranch: string;
  visibility: 'public' | 'private' | 'internal';
  archived: boolean;
  /** Clone URL over https (credentials are given separately, never in the URL). */
  cloneUrl: string;
  sshUrl: string | null;
  /**
   * Last push (ISO 8601), used to skip re-checking composer.json of unchanged repositories; null
   * when the forge does not say (then a push webhook or the time since the last check decides).
   */
  pushedAt: string | null;
}

/** Who a grant reaches. */
export type GrantSubject =
  | { kind: 'team'; teamId: string }
  | { kind: 'user'; userId: string }
  /** Every member of the organization (derived membership, see above). */
  | { kind: 'members' };

/** One reason a subject may read a repository, in the forge's own words. */
export interface ForgeGrant {
  repoId: string;
  subject: GrantSubject;
  /** Whether the grant lets its subject read the code; only reading grants give access. */
  read: boolean;
  /** The forge's word for the grant (role, level, permission), shown in plans and the UI. */
  label: string;
}

/** A user who reads one repository directly (not through a team): collaborator, project member. */
export interface DirectReader {
  user: ForgeUser;
  read: boolean;
  label: string;
}

/** Everything reconciliation needs about one sync source, fetched completely or not at all. */
export interface OrgSnapshot {
  /** The source as the forge names it (`login`: org login, group full path, project keys). */
  org: { id: string; login: string };
  /** Every user the snapshot mentions (members, team members, grant subjects); no blocked ones. */
  users: ForgeUser[];
  /** Users who belong to the source, with their role (see "Organization membership" above). */
  members: ForgeMember[];
  teams: ForgeTeam[];
  /** Effective members of each team by team id (may include users who are not members). */
  teamMembers: Map<string, ForgeTeamMember[]>;
  repositories: ForgeRepository[];
  /** Grants on the listed repositories (team, user and members subjects). */
  grants: ForgeGrant[];
  /** What the forge could not tell in this snapshot (see "Notes" above); absent or empty: nothing. */
  notes?: string[];
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

/**
 * A code credential for cloning the forge's repositories over https, bound to the integration's
 * own hosts. `scheme` says how git sends it: `basic` (the default when absent) as `username` and
 * `password` through git's credential helper; `bearer` as `Authorization: Bearer <password>` for
 * the package URL's host only, with redirects off, and `username` unused (''): for tokens a forge
 * takes only as Bearer, such as Bitbucket Data Center project and repository HTTP access tokens.
 * Bearer works with git only; a Mercurial or Subversion package refuses it.
 */
export interface CodeCredential {
  scheme?: 'basic' | 'bearer';
  username: string;
  password: string;
  /**
   * Hosts (normal form: lowercase, `:port` only when not the default) the forge serves clones
   * from besides those of the integration's `url` and `api_url`: github.com for an integration
   * written `url: https://www.github.com`, whose clone URLs are on github.com.
   */
  hosts?: readonly string[];
}

/** What the forge says about a sync source before an organization is created from it. */
export interface SourceInfo {
  login: string;
  name: string | null;
  /** Repositories the credential can see there, when the forge says. */
  repositories: number | null;
}

/**
 * How people name a sync source of this forge, in its words: the New organization form's label,
 * placeholder and help for the source field ("Organization", "acme"; "Group path",
 * "acme/platform", "its subgroups come along"). Shown only, never interpreted.
 */
export interface SourceHint {
  label: string;
  placeholder: string;
  help: string;
  /** The forge's noun for a repository, singular and plural ("project", "projects"), for counts. */
  repositoryNoun: { one: string; other: string };
}

/** Optional capability: signing in with the forge (OAuth 2 authorization code, PKCE where offered). */
export interface ForgeOAuth {
  authorizeUrl: string;
  tokenUrl: string;
  scopes: string[];
  /** Whether the forge takes PKCE (S256). */
  pkce: boolean;
  /** The OAuth application's client (the integration's `oauth`): sent in the token request (see clientAuth). */
  clientId: string;
  clientSecret: string;
  /**
   * How the token request carries the client: in the form body (absent: the default), or as HTTP
   * Basic (`basic`) for forges that take nothing else (Bitbucket Cloud).
   */
  clientAuth?: 'body' | 'basic';
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
   * Optional: the forge's words for each way its hooks are installed, shown on the settings page
   * ("one group hook", "a hook per project"); a generic phrase is shown without them.
   */
  readonly scopeLabels?: Readonly<Record<HookScope, string>>;
  /**
   * Optional: what this forge's hooks never announce when installed each way, in plain words
   * ("membership changes", "new repositories"); the settings page says the sync schedule picks
   * those up. A scope left out (or the field absent) announces everything sync acts on.
   */
  readonly scheduleCovers?: Readonly<Partial<Record<HookScope, readonly string[]>>>;
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
  /** Optional: how the New organization form asks for a source of this forge (a generic field without it). */
  readonly sourceHint?: SourceHint;
  /**
   * Optional: the forge's word for what a team of its snapshots stands for, from the team's id
   * ("project", "group"), shown next to the team on the teams page; null or absent when the
   * forge's teams are all of one kind. Shown only, never interpreted.
   */
  teamKind?(teamId: string): string | null;
  /** Optional capabilities: absent when the forge or the configuration does not offer them. */
  readonly oauth?: ForgeOAuth;
  readonly webhooks?: ForgeWebhooks;
  /** Checks that `source` exists and the credential reaches it; null when it does not exist. */
  describeSource(source: string): Promise<SourceInfo | null>;
  /** Lists everything about `source`. Throws ForgeError when anything is incomplete. */
  snapshot(source: string): Promise<OrgSnapshot>;
  /** Users who read `repo` directly, outside teams (asked for package repositories only). */
  directReaders(source: string, repo: ForgeRepository): Promise<DirectReader[]>;
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
