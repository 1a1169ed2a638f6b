// The shared kit of the forge fakes (server lifecycle, TLS, faults, latency, ETags, request log,
// git over HTTP, webhook delivery, OAuth with PKCE); each forge keeps its own routes and payloads.

export { createRuntime, listen, type FakeRuntime, type KitServer, type TlsOptions } from './server.js';
export { Faults, type Fault } from './faults.js';
export { basicUserOf, etagMatches, latency, notModified, readBody, readParams, sleep, tokenOf, weakEtag, type ApiRequestRecord } from './http.js';
export { linkHeader, pageUrl, parsePaging } from './paging.js';
export { GIT_TAIL, isReceivePack, serveGitRequest, type GitAccess, type GitRequestRecord } from './git-http.js';
export { OAuthFlow, pkceMatches, safeEqual, type OAuthApp, type OAuthGrant, type RedeemError } from './oauth.js';
export { postDelivery, type Delivery } from './webhooks.js';
export { git, gitCommit, gitReadDir, gitReadFile, gitRefs, type DirEntry } from './git-store.js';
