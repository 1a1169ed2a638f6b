// TypeBox shapes of the Bitbucket Data Center REST 1.0 answers and webhook payloads Packyard
// reads (extra fields allowed), from the Bitbucket DC REST documentation (9.x swagger): projects,
// repositories, users, project group permissions, group members (admin endpoints), webhooks, and
// the repo:refs_changed and repo:modified payloads. A wrong shape is ForgeError 'invalid'.
import { Type, type Static, type TSchema } from 'typebox';

const Id = Type.Integer({ minimum: 0 });
const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Opt = <T extends TSchema>(s: T) => Type.Optional(Nullable(s));

export const ProjectSchema = Type.Object({
  id: Id,
  key: Type.String({ minLength: 1 }),
  name: Type.String(),
  public: Type.Optional(Type.Boolean()),
});

const Link = Type.Object({ href: Type.String(), name: Type.Optional(Type.String()) });

export const RepositorySchema = Type.Object({
  id: Id,
  slug: Type.String({ minLength: 1 }),
  name: Type.String(),
  project: Type.Object({ key: Type.String({ minLength: 1 }) }),
  public: Type.Optional(Type.Boolean()),
  archived: Type.Optional(Type.Boolean()),
  state: Type.Optional(Type.String()),
  defaultBranch: Opt(Type.String()),
  links: Type.Object({ clone: Type.Optional(Type.Array(Link)) }),
});

export const UserSchema = Type.Object({
  id: Id,
  name: Type.String({ minLength: 1 }),
  slug: Type.Optional(Type.String()),
  displayName: Opt(Type.String()),
  emailAddress: Opt(Type.String()),
  active: Type.Optional(Type.Boolean()),
});

/** A row of /projects/{key}/permissions/groups (PROJECT_ADMIN). */
export const GroupPermissionSchema = Type.Object({
  group: Type.Object({ name: Type.String({ minLength: 1 }) }),
  permission: Type.String(),
});

/** GET /projects/{key}/permissions/{permission}/all. */
export const PermittedSchema = Type.Object({ permitted: Type.Boolean() });

export const BranchSchema = Type.Object({ id: Type.String(), displayId: Type.String() });

export const WebhookSchema = Type.Object({
  id: Id,
  url: Type.String(),
  active: Type.Optional(Type.Boolean()),
  events: Type.Optional(Type.Array(Type.String())),
  sslVerificationRequired: Type.Optional(Type.Boolean()),
});

export type BbProject = Static<typeof ProjectSchema>;
export type BbRepository = Static<typeof RepositorySchema>;
export type BbUser = Static<typeof UserSchema>;
export type BbGroupPermission = Static<typeof GroupPermissionSchema>;
export type BbWebhook = Static<typeof WebhookSchema>;

// Webhook payloads: only what the mapping reads.
const HookRepo = Type.Object({ id: Id, slug: Type.String({ minLength: 1 }), project: Type.Object({ key: Type.String({ minLength: 1 }) }) });
export const RefsChangedPayload = Type.Object({
  repository: HookRepo,
  changes: Type.Array(Type.Object({ ref: Type.Object({ id: Type.String() }), type: Type.String() })),
});
export const ModifiedPayload = Type.Object({ old: HookRepo, new: HookRepo });
export type BbHookRepo = Static<typeof HookRepo>;

export { firstProblem } from '../forge-deps.js';

/** The permissions that read code, lowest first. */
export const PROJECT_READ_PERMISSIONS = ['PROJECT_READ', 'PROJECT_WRITE', 'PROJECT_ADMIN'] as const;
export const REPO_READ_PERMISSIONS = ['REPO_READ', 'REPO_WRITE', 'REPO_ADMIN'] as const;
