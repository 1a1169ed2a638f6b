// TypeBox shapes of the Bitbucket Cloud REST 2.0 answers (and the 1.0 groups answer) Packyard
// reads, extra fields allowed, from the published API 2.0 description: workspaces, accounts,
// workspace memberships and permissions, repository permissions, repositories, webhook
// subscriptions, the OAuth token answer, and the repo:push / repo:updated payloads. A wrong shape
// is ForgeError 'invalid' (or a 400 for a webhook delivery).
import { Type, type Static, type TSchema } from 'typebox';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Opt = <T extends TSchema>(s: T) => Type.Optional(Nullable(s));

/** Bitbucket's uuids come in braces: `{6c1b...}`. */
export const Uuid = Type.String({ pattern: '^\\{[^{}/\\s]{1,64}\\}$' });

export const WorkspaceSchema = Type.Object({ uuid: Uuid, slug: Type.String({ minLength: 1 }), name: Opt(Type.String()) });

/** An account: `user` (people), `team`, or `app_user` (access tokens' bots: never members). */
export const AccountSchema = Type.Object({
  uuid: Uuid,
  type: Type.Optional(Type.String()),
  nickname: Opt(Type.String()),
  display_name: Opt(Type.String()),
  account_id: Opt(Type.String()),
  account_status: Opt(Type.String()),
});

/** A row of /workspaces/{ws}/members. */
export const MembershipSchema = Type.Object({ user: AccountSchema });

/** A row of /workspaces/{ws}/permissions: owner (workspace admin), collaborator or member. */
export const WorkspacePermissionSchema = Type.Object({ permission: Type.String(), user: AccountSchema });

const RepoRef = Type.Object({ uuid: Uuid, full_name: Type.String({ minLength: 3 }) });

/** A row of /workspaces/{ws}/permissions/repositories: the user's effective permission. */
export const RepositoryPermissionSchema = Type.Object({ permission: Type.String(), user: AccountSchema, repository: RepoRef });

const Link = Type.Object({ href: Type.String(), name: Type.Optional(Type.String()) });

export const RepositorySchema = Type.Object({
  uuid: Uuid,
  full_name: Type.String({ minLength: 3 }),
  name: Type.String(),
  slug: Type.Optional(Type.String({ minLength: 1 })),
  is_private: Type.Optional(Type.Boolean()),
  mainbranch: Opt(Type.Object({ name: Type.String() })),
  scm: Type.Optional(Type.String()),
  links: Type.Object({ clone: Type.Optional(Type.Array(Link)) }),
});

/** One group of GET /1.0/groups/{ws} (the 1.0 API Atlassian still serves; never required). */
export const GroupSchema = Type.Object({
  name: Type.String(),
  slug: Type.String({ minLength: 1 }),
  members: Type.Array(AccountSchema),
});
export const GroupsSchema = Type.Array(GroupSchema);

export const WebhookSchema = Type.Object({
  uuid: Uuid,
  url: Type.String(),
  active: Type.Optional(Type.Boolean()),
  events: Type.Optional(Type.Array(Type.String())),
  secret_set: Type.Optional(Type.Boolean()),
  skip_cert_verification: Type.Optional(Type.Boolean()),
});

export const TokenAnswerSchema = Type.Object({ access_token: Type.String({ minLength: 1 }), expires_in: Type.Optional(Type.Number()) });

export type BcWorkspace = Static<typeof WorkspaceSchema>;
export type BcAccount = Static<typeof AccountSchema>;
export type BcMembership = Static<typeof MembershipSchema>;
export type BcWorkspacePermission = Static<typeof WorkspacePermissionSchema>;
export type BcRepositoryPermission = Static<typeof RepositoryPermissionSchema>;
export type BcRepository = Static<typeof RepositorySchema>;
export type BcGroup = Static<typeof GroupSchema>;
export type BcWebhook = Static<typeof WebhookSchema>;

// Webhook payloads: only what the mapping reads.
const HookRef = Type.Object({ type: Type.String(), name: Type.String() });
export const PushPayload = Type.Object({
  repository: RepoRef,
  push: Type.Object({ changes: Type.Array(Type.Object({ new: Opt(HookRef), old: Opt(HookRef) })) }),
});
const Change = Type.Object({ old: Type.Optional(Type.Unknown()), new: Type.Optional(Type.Unknown()) });
export const UpdatedPayload = Type.Object({
  repository: RepoRef,
  changes: Type.Optional(Type.Object({ full_name: Type.Optional(Change), name: Type.Optional(Change) })),
});
export const RepositoryPayload = Type.Object({ repository: RepoRef });
export type BcHookRepo = Static<typeof RepoRef>;

export { firstProblem } from '../forge-deps.js';

/** The effective repository permissions that read code. */
export const READING_PERMISSIONS = ['read', 'write', 'admin'] as const;
