// The fake GitLab (self-managed, Free or Premium) for sync tests (see server.ts and state.ts).

export { startFakeGitLab, EVENT_HEADER, type FakeGitLab, type FakeGitLabOptions, type Fault, type ApiRequestRecord } from './server.js';
export { GitLabState } from './state.js';
export { ACCESS_LEVELS, ROLE_NAME, type AccessLevel, type Group, type Hook, type Project, type Tier, type Token, type User, type UserState, type Visibility } from './model.js';
export { groupMembersAll, projectMembersAll } from './access.js';
export { Payloads, ZERO_SHA } from './payloads.js';
export { PUSH_EVENT_HOOKS_LIMIT, type PushSpec } from './push.js';
export type { Delivery, EventName } from './webhooks.js';
