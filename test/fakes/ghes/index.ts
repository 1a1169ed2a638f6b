// The fake GitHub Enterprise Server for sync tests and benchmarks (see server.ts and state.ts).

export { startFakeGhes, secondaryRateLimit, type FakeGhes, type FakeGhesOptions, type Fault, type ApiRequestRecord } from './server.js';
export { GhesState, REPO_ROLES, type User, type Org, type Team, type Repo, type Hook, type RepoRole, type OrgRole, type TeamRole, type Visibility, type DefaultPermission } from './state.js';
export type { Delivery } from './webhooks.js';
export { Payloads, ZERO_SHA } from './payloads.js';
