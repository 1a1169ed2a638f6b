// The fake Bitbucket Data Center (8.19 or 7.21) for sync tests (see server.ts and state.ts).

export { startFakeBitbucketServer, type FakeBitbucketServer, type FakeBitbucketServerOptions, type Fault, type ApiRequestRecord } from './server.js';
export { BitbucketState, LEVEL_OF, type Hook, type Level, type Project, type ProjectPermission, type RepoPermission, type Repository, type Token, type User } from './state.js';
export { Payloads, ZERO_SHA, deliverTo, type DeliverOptions, type EventKey, type RefChange } from './payloads.js';
export type { Delivery } from '../kit/webhooks.js';
