// A stateful fake Bitbucket Cloud on loopback, on the fakes' kit. One origin stands for both hosts:
// WEB = http(s)://127.0.0.1:PORT (bitbucket.org: git smart HTTP at WEB/{ws}/{slug}.git, OAuth at
// WEB/site/oauth2/…) and API = WEB/api (api.bitbucket.org: API 2.0 at API/2.0, the 1.0 groups API
// at API/1.0/groups/{ws}). Basic auth (username + app password, email + API token), Bearer OAuth
// tokens; `page`/`pagelen` paging with `next` URLs, faults by path and page (429 gets
// Retry-After), latency, a request log, strict mode, signed deliveries and fire() to hooks.

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Faults, type Fault } from '../kit/faults.js';
import { basicUserOf, latency, readBody, tokenOf, type ApiRequestRecord } from '../kit/http.js';
import { GIT_TAIL, isReceivePack, serveGitRequest, type GitAccess, type GitRequestRecord } from '../kit/git-http.js';
import { createRuntime, listen, type TlsOptions } from '../kit/server.js';
import type { Delivery } from '../kit/webhooks.js';
import { BitbucketCloudOAuth, serveOAuth } from './oauth.js';
import { deliverTo, Payloads, type DeliverOptions, type EventKey } from './payloads.js';
import { bbError, HttpError, paged, unauthorized, type Urls } from './render.js';
import { routes, type Ctx } from './routes.js';
import { BitbucketCloudState, type Principal } from './state.js';

export type { Fault } from '../kit/faults.js';
export type { ApiRequestRecord } from '../kit/http.js';

export interface FakeBitbucketCloudOptions {
  /** Default `pagelen` of every listing (Bitbucket: 10; tests pass a small one so everything pages). */
  pagelen?: number;
  /** The cap on a client's `pagelen` (Bitbucket: 100). */
  maxPagelen?: number;
  /** Leave the optional `size` out of pages (default false: it is there). */
  omitSize?: boolean;
  /** The 1.0 groups API: served (default), 'gone' (410) or 'missing' (404), as Atlassian retires it. */
  groupsApi?: 'served' | 'gone' | 'missing';
  latencyMs?: number;
  /** Default true: close() rejects when a request matched no endpoint of the fake. */
  strict?: boolean;
  tls?: TlsOptions;
}

export interface FakeBitbucketCloud {
  /** WEB: http(s)://127.0.0.1:PORT (bitbucket.org) */
  readonly url: string;
  /** API 2.0: `${url}/api/2.0` (pass as the integration's api_url) */
  readonly apiUrl: string;
  readonly state: BitbucketCloudState;
  readonly payloads: Payloads;
  readonly oauth: BitbucketCloudOAuth;
  readonly requests: ApiRequestRecord[];
  readonly gitRequests: GitRequestRecord[];
  readonly deliveries: Delivery[];
  readonly unexpected: Array<{ method: string; path: string }>;
  /** Changeable at run time. */
  options: { groupsApi: 'served' | 'gone' | 'missing'; latencyMs: number };
  /** A status for matching requests (path is the full path, e.g. /api/2.0/…); `page` is the `page` parameter (default 1). */
  fault(f: Fault): void;
  clearFaults(): void;
  /** Sends one event to a URL as Bitbucket would (no installed hook needed). */
  deliver(url: string, eventKey: EventKey, payload: object, opts?: DeliverOptions): Promise<Delivery>;
  /** Sends an event to the active hooks of the repository, then of its workspace, that subscribe to it. */
  fire(ws: string, slug: string, eventKey: EventKey, payload: object): Promise<Delivery[]>;
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Who the request is. Basic: the Bitbucket username with an app password, or the account email
 * with an API token (on git instead the username or x-bitbucket-api-token-auth with an API token,
 * x-token-auth with an OAuth token). Bearer: an OAuth access token. Bad credentials throw 401.
 */
export function authenticate(state: BitbucketCloudState, req: IncomingMessage, git: boolean): Principal {
  const secret = tokenOf(req);
  if (secret === null) return null;
  const name = basicUserOf(req);
  const users = [...state.users.values()];
  const bearer = (value: string): Principal => {
    const t = state.accessTokens.get(value);
    if (t === undefined || t.expiresAt <= Date.now()) throw unauthorized();
    if (t.consumer !== null) return { kind: 'consumer', workspaceId: t.consumer.workspaceId, clientId: t.consumer.clientId };
    const u = t.userId === null ? undefined : state.users.get(t.userId);
    if (u === undefined) throw unauthorized();
    return { kind: 'user', user: u, via: 'oauth' };
  };
  if (name === null) return bearer(secret);
  if (git && name === 'x-token-auth') return bearer(secret);
  const byPassword = users.find((u) => u.username === name && u.appPasswords.has(secret));
  if (byPassword !== undefined) return { kind: 'user', user: byPassword, via: 'app_password' };
  // An API token goes with the email on the API; over git with the Bitbucket username or the
  // static x-bitbucket-api-token-auth (Atlassian's "Using API tokens" names only these for git).
  const byToken = users.find((u) => u.apiTokens.has(secret) && (git ? u.username === name || name === 'x-bitbucket-api-token-auth' : u.email.toLowerCase() === name.toLowerCase()));
  if (byToken !== undefined) return { kind: 'user', user: byToken, via: 'api_token' };
  throw unauthorized();
}

export async function startFakeBitbucketCloud(opts: FakeBitbucketCloudOptions = {}): Promise<FakeBitbucketCloud> {
  const runtime = await createRuntime('packyard-fake-bbc-');
  const state = new BitbucketCloudState(runtime.root);
  const faults = new Faults();
  const requests: ApiRequestRecord[] = [];
  const gitRequests: GitRequestRecord[] = [];
  const deliveries: Delivery[] = [];
  const oauth = new BitbucketCloudOAuth(state);
  const defaultPagelen = opts.pagelen ?? 10;
  const maxPagelen = opts.maxPagelen ?? 100;
  const options = { groupsApi: opts.groupsApi ?? 'served', latencyMs: opts.latencyMs ?? 0 } as FakeBitbucketCloud['options'];
  let urls: Urls = { web: '', api: '' };
  const payloads = new Payloads(state, () => urls);

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, rel: string): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const query = url.searchParams;
    const record: ApiRequestRecord = { method, path: url.pathname, query: url.search.replace(/^\?/, ''), status: 0, token: tokenOf(req) };
    requests.push(record);
    const bodyBytes = await readBody(req);
    await latency(options.latencyMs);
    const send = (status: number, body: Buffer | null, extra: Record<string, string> = {}): void => {
      record.status = status;
      const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', Vary: 'Authorization', ...extra };
      if (status === 204) delete headers['Content-Type'];
      res.writeHead(status, headers);
      res.end(method === 'HEAD' || body === null ? undefined : body);
    };
    try {
      const pageRaw = Number.parseInt(query.get('page') ?? '', 10);
      const lenRaw = Number.parseInt(query.get('pagelen') ?? '', 10);
      const page = Number.isFinite(pageRaw) && pageRaw > 0 ? pageRaw : 1;
      const pagelen = Number.isFinite(lenRaw) && lenRaw > 0 ? Math.min(lenRaw, maxPagelen) : defaultPagelen;
      const f = faults.take(method, url.pathname, page);
      if (f !== null) {
        const body = f.body ?? { type: 'error', error: { message: f.status === 429 ? 'Rate limit for this resource has been exceeded' : `HTTP ${f.status}` } };
        const extra = f.headers ?? (f.status === 429 ? { 'Retry-After': '1' } : {});
        send(f.status, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), extra);
        return;
      }
      const principal = authenticate(state, req, false);
      const routeMethod = method === 'HEAD' ? 'GET' : method;
      let match: { route: (typeof routes)[number]; params: string[] } | null = null;
      for (const route of routes) {
        const m = route.re.exec(rel);
        if (m === null || route.method !== routeMethod) continue;
        match = { route, params: m.slice(1).map((x) => x ?? '') };
        break;
      }
      if (match === null) {
        runtime.unexpected.push({ method, path: url.pathname });
        throw bbError(404, 'Resource not found');
      }
      let body: Record<string, unknown> = {};
      if (bodyBytes.length > 0) {
        try {
          body = JSON.parse(bodyBytes.toString('utf8')) as Record<string, unknown>;
        } catch {
          throw bbError(400, 'Bad request', 'The request body is not valid JSON.');
        }
      }
      const ctx: Ctx = { method: routeMethod, query, body, principal, state, urls, groupsApi: options.groupsApi };
      const result = await match.route.handler(ctx, match.params);
      if (result.raw !== undefined) send(result.status, result.raw.bytes, { 'Content-Type': result.raw.contentType });
      else if (result.list !== undefined) send(result.status, Buffer.from(JSON.stringify(paged(result.list, page, pagelen, url_(url), !opts.omitSize))));
      else send(result.status, result.body === undefined ? null : Buffer.from(JSON.stringify(result.body)));
    } catch (e) {
      if (e instanceof HttpError) send(e.status, Buffer.from(JSON.stringify(e.body)), e.headers);
      else {
        record.status = 500;
        if (!res.headersSent) send(500, Buffer.from(JSON.stringify({ type: 'error', error: { message: 'Internal error' } })));
        else res.end();
        throw e;
      }
    }
  }
  /** The page URL as the client sees it (the server's origin, the request's path and query). */
  const url_ = (u: URL): URL => new URL(`${u.pathname}${u.search}`, urls.web);

  function gitAccess(req: IncomingMessage, url: URL, ws: string, slug: string, tail: string): { token: string | null; access: GitAccess } {
    const raw = tokenOf(req);
    const denied: GitAccess = { ok: false, status: 401, text: 'Unauthorized\n', headers: { 'WWW-Authenticate': 'Basic realm="Bitbucket.org HTTP"' } };
    let principal: Principal;
    try {
      principal = authenticate(state, req, true);
    } catch {
      return { token: raw, access: denied };
    }
    const r = state.findRepo(ws, slug);
    if (r === undefined || state.repoLevel(principal, r) === 0) {
      // Anonymous callers are asked for credentials; authenticated ones learn nothing.
      return { token: raw, access: principal === null ? denied : { ok: false, status: 403, text: 'Forbidden\n' } };
    }
    if (isReceivePack(url, tail)) return { token: raw, access: { ok: false, status: 403, text: 'The fake is read-only over git: write through state.commit.\n' } };
    const who = principal === null ? 'anonymous' : principal.kind === 'user' ? principal.user.username : `consumer:${principal.clientId}`;
    return { token: raw, access: { ok: true, repoFile: `${r.id}.git`, remoteUser: who } };
  }

  const handler: RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const fail = (): void => {
      if (!res.writableEnded) res.end();
    };
    const notFound = (): void => {
      req.resume();
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Not Found\n');
    };
    if (path.startsWith('/api/2.0/') || path.startsWith('/api/1.0/')) {
      handleApi(req, res, url, path.slice('/api'.length)).catch(fail);
      return;
    }
    if (path.startsWith('/site/oauth2/')) {
      serveOAuth(state, oauth, req, res, url)
        .then((served) => {
          if (!served) {
            runtime.unexpected.push({ method: req.method ?? 'GET', path });
            notFound();
          }
        })
        .catch(fail);
      return;
    }
    const m = /^\/([^/]+)\/([^/]+?)(?:\.git)?(\/.*)$/.exec(path);
    const tail = m === null ? null : GIT_TAIL.exec(m[3] ?? '');
    if (m !== null && tail !== null && tail.index === 0) {
      const { token, access } = gitAccess(req, url, decodeURIComponent(m[1] ?? ''), decodeURIComponent(m[2] ?? ''), tail[1] ?? '');
      serveGitRequest({ root: runtime.root, children: runtime.children, gitRequests }, req, res, url, tail[1] ?? '', token, access);
      return;
    }
    runtime.unexpected.push({ method: req.method ?? 'GET', path });
    notFound();
  };

  const server = await listen(runtime, handler, { tls: opts.tls, strict: opts.strict, label: 'fake Bitbucket Cloud' });
  urls = { web: server.origin, api: `${server.origin}/api/2.0` };

  return {
    url: server.origin,
    apiUrl: urls.api,
    state,
    payloads,
    oauth,
    requests,
    gitRequests,
    deliveries,
    unexpected: runtime.unexpected,
    options,
    fault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    async deliver(url, eventKey, payload, dopts = {}) {
      const d = await runtime.track(deliverTo(url, eventKey, payload, dopts));
      deliveries.push(d);
      return d;
    },
    async fire(ws, slug, eventKey, payload) {
      const r = state.repo(ws, slug);
      const hooks = [...state.hooksOf({ type: 'repository', id: r.id }), ...state.hooksOf({ type: 'workspace', id: r.workspaceId })];
      const out: Delivery[] = [];
      for (const h of hooks) {
        if (!h.active || !h.events.includes(eventKey)) continue;
        out.push(await runtime.track(deliverTo(h.url, eventKey, payload, { secret: h.secret, hookUuid: h.uuid })));
      }
      deliveries.push(...out);
      return out;
    },
    idle: () => runtime.idle(),
    close: () => server.close(),
  };
}
