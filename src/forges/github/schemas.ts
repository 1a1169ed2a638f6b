// TypeBox schemas of the GitHub API and webhook fields Packyard uses (extra fields are allowed):
// every response and payload is checked here, at the edge, and mapped to the forge types.
import { Type, type Static, type TSchema } from 'typebox';

const Id = Type.Integer({ minimum: 0 });
const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);

export const PermissionsSchema = Type.Object({
  admin: Type.Optional(Type.Boolean()),
  maintain: Type.Optional(Type.Boolean()),
  push: Type.Optional(Type.Boolean()),
  triage: Type.Optional(Type.Boolean()),
  pull: Type.Optional(Type.Boolean()),
});

export const OrgSchema = Type.Object({
  id: Id,
  login: Type.String(),
  default_repository_permission: Type.Optional(Nullable(Type.String())),
});

export const UserSchema = Type.Object({
  id: Id,
  login: Type.String(),
  name: Type.Optional(Nullable(Type.String())),
  email: Type.Optional(Nullable(Type.String())),
});

export const TeamSchema = Type.Object({
  id: Id,
  slug: Type.String(),
  name: Type.String(),
  parent: Type.Optional(Nullable(Type.Object({ id: Id }))),
});

export const RepoSchema = Type.Object({
  id: Id,
  name: Type.String(),
  full_name: Type.String(),
  private: Type.Boolean(),
  visibility: Type.Optional(Type.String()),
  archived: Type.Optional(Type.Boolean()),
  default_branch: Type.Optional(Nullable(Type.String())),
  clone_url: Type.Optional(Nullable(Type.String())),
  ssh_url: Type.Optional(Nullable(Type.String())),
  // REST gives ISO 8601; push payloads give a Unix timestamp.
  pushed_at: Type.Optional(Nullable(Type.Union([Type.String(), Type.Number()]))),
  html_url: Type.Optional(Type.String()),
  permissions: Type.Optional(PermissionsSchema),
  role_name: Type.Optional(Nullable(Type.String())),
});

export const CollaboratorSchema = Type.Object({
  id: Id,
  login: Type.String(),
  permissions: Type.Optional(PermissionsSchema),
  role_name: Type.Optional(Nullable(Type.String())),
});

export const InstallationSchema = Type.Object({ id: Id });
export const AccessTokenSchema = Type.Object({ token: Type.String({ minLength: 1 }), expires_at: Type.String() });

export const HookSchema = Type.Object({
  id: Id,
  active: Type.Boolean(),
  events: Type.Array(Type.String()),
  config: Type.Object({
    url: Type.Optional(Type.String()),
    content_type: Type.Optional(Type.String()),
    insecure_ssl: Type.Optional(Type.Union([Type.String(), Type.Number()])),
  }),
});

export type GhOrg = Static<typeof OrgSchema>;
export type GhUser = Static<typeof UserSchema>;
export type GhTeam = Static<typeof TeamSchema>;
export type GhRepo = Static<typeof RepoSchema>;
export type GhCollaborator = Static<typeof CollaboratorSchema>;
export type GhHook = Static<typeof HookSchema>;

// Webhook payloads: only what the mapping reads.
const RefRepo = Type.Object({ id: Id, full_name: Type.String() });
const HookUser = Type.Object({ id: Id });

export const PushPayload = Type.Object({ ref: Type.String(), deleted: Type.Optional(Type.Boolean()), repository: RefRepo });
export const RefPayload = Type.Object({
  ref: Type.String(),
  ref_type: Type.Union([Type.Literal('tag'), Type.Literal('branch')]),
  repository: RefRepo,
});
export const ReleasePayload = Type.Object({ action: Type.String(), repository: RefRepo });
export const RepositoryPayload = Type.Object({ action: Type.String(), repository: RefRepo });
export const TeamPayload = Type.Object({ action: Type.String(), team: Type.Optional(Nullable(Type.Object({ id: Type.Optional(Id) }))) });
export const TeamAddPayload = Type.Object({ team: Type.Object({ id: Id }), repository: Type.Optional(RefRepo) });
export const MembershipPayload = Type.Object({
  action: Type.String(),
  member: Type.Optional(Nullable(HookUser)),
  team: Type.Optional(Nullable(Type.Object({ id: Type.Optional(Id) }))),
});
export const MemberPayload = Type.Object({ action: Type.String(), member: Type.Optional(Nullable(HookUser)), repository: RefRepo });
export const OrganizationPayload = Type.Object({
  action: Type.String(),
  membership: Type.Optional(Nullable(Type.Object({ user: Type.Optional(Nullable(HookUser)) }))),
});

export { firstProblem } from '../forge-deps.js';
