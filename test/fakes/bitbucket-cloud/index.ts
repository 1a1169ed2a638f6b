// The fake Bitbucket Cloud (API 2.0, the 1.0 groups API, git over HTTP, OAuth 2, webhooks) for sync tests (see server.ts and state.ts).

export { authenticate, startFakeBitbucketCloud, type ApiRequestRecord, type FakeBitbucketCloud, type FakeBitbucketCloudOptions, type Fault } from './server.js';
export { BitbucketCloudState, LEVEL, PERMISSION_OF, uuidOf, type AccessToken, type Group, type Hook, type Level, type Permission, type Principal, type Project, type Repository, type Role, type User, type Workspace } from './state.js';
export { Payloads, deliverTo, type DeliverOptions, type EventKey, type PushChange } from './payloads.js';
export { BitbucketCloudOAuth, ACCESS_TOKEN_SECONDS } from './oauth.js';
export type { Delivery } from '../kit/webhooks.js';
