// A stateful fake Bitbucket Data Center (8.19 or 7.21) on loopback, on the fakes' kit: REST 1.0
// under CONTEXT/rest/api/1.0 (start/limit paging with a small default limit so listings page,
// X-AUSERNAME/X-AUSERID on authenticated answers, faults by path and page, latency), git smart HTTP
// at CONTEXT/scm/<projectkey>/<slug>.git (Bearer token or basic auth), signed webhook deliveries
// and fire() to installed repository and (8.x) project webhooks.

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Faults, type Fault } from '../kit/faults.js';
import { basicUserOf, latency, readBody, tokenOf, type ApiRequestRecord } from '../kit/http.js';
import { GIT_TAIL, isReceivePack, serveGitRequest, type GitAccess, type GitRequestRecord } from '../kit/git-http.js';
import { createRuntime, listen, type TlsOptions } from '../kit/server.js';
import type { Delivery } from '../kit/webhooks.js';
import { deliverTo, Payloads, type DeliverOptions, type EventKey } from './payloads.js';
import { BitbucketOAuth, serveOAuth } from './oauth.js';
import { bbError, HttpError, notAuthenticated, paged, type Urls } from './render.js';
import { routes, type Ctx } from './routes.js';
import { BitbucketState, type Token, type User } from './state.js';

export type { Fault } from '../kit/faults.js';
export type { ApiRequestRecord } from '../kit/http.js';

export interface FakeBitbucketServerOptions {
  /** Bitbucket's context path, e.g. '/bitbucket' (default none). */
  contextPath?: string;
  /** 8.x has project webhooks; on 7.x /projects/{key}/webhooks answers 404. Default '8.19'. */
  version?: '8.19' | '7.21';
  /** Default `limit` of every listing (default 3, so everything pages). */
  pageLimit?: number;
  /** The cap on a client's `limit` (Bitbucket's page.max.*; default 1000). */
  maxLimit?: number;
  latencyMs?: number;
  /** Default true: close() rejects when a request matched no endpoint of the fake. */
  strict?: boolean;
  tls?: TlsOptions;
}

export interface FakeBitbucketServer {
  /** http(s)://127.0.0.1:PORT[CONTEXT] */
  readonly url: string;
  /** `${url}/rest/api/1.0` */
  readonly apiUrl: string;
  readonly state: BitbucketState;
  readonly payloads: Payloads;
  readonly requests: ApiRequestRecord[];
  readonly gitRequests: GitRequestRecord[];
  readonly deliveries: Delivery[];
  readonly unexpected: Array<{ method: string; path: string }>;
  /** OAuth 2 incoming application links: oauth.addApp(id, secret, callbackUrl), oauth.approveAs = user id, oauth.tokenRequests. */
  readonly oauth: BitbucketOAuth;
  /** A status for matching requests; `page` is 1 + start/limit. 429 gets `Retry-After: 1` unless headers say otherwise. */
  fault(f: Fault): void;
  clearFaults(): void;
  /** Sends one event to a URL as Bitbucket would (no installed hook needed). */
  deliver(url: string, eventKey: EventKey, payload: object, opts?: DeliverOptions): Promise<Delivery>;
  /** Sends an event to the active hooks of a repository and (8.x) of its project that subscribe to it. */
  fire(projectKey: string, slug: string, eventKey: EventKey, payload: object): Promise<Delivery[]>;
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Who the request is: null anonymous; throws 401 on bad credentials or an inactive user. */
function authenticate(state: BitbucketState, req: IncomingMessage): { user: User | null; token: Token | null; raw: string | null } {
  const raw = tokenOf(req);
  if (raw === null) return { user: null, token: null, raw };
  const basicName = basicUserOf(req);
  let user: User | undefined;
  let token: Token | null = null;
  if (basicName !== null) {
    const u = state.findUser(basicName);
    const t = state.tokens.get(raw);
    if (u !== undefined && t !== undefined && t.userId === u.id) {
      user = u;
      token = t;
    } else if (u !== undefined && u.password !== null && u.password === raw) user = u;
  } else {
    // Bearer: a personal token as its user, a project token as its bot (Basic never finds a bot).
    token = state.tokens.get(raw) ?? null;
    user = token === null ? undefined : (state.users.get(token.userId) ?? state.bots.get(token.userId));
  }
  if (user === undefined || !user.active || (token !== null && token.expiresAt !== null && token.expiresAt <= Date.now())) throw notAuthenticated();
  return { user, token, raw };
}

export async function startFakeBitbucketServer(opts: FakeBitbucketServerOptions = {}): Promise<FakeBitbucketServer> {
  const runtime = await createRuntime('packyard-fake-bbs-');
  const ctxPath = (opts.contextPath ?? '').replace(/\/+$/, '');
  if (ctxPath !== '' && !ctxPath.startsWith('/')) throw new Error('contextPath starts with /');
  const version = opts.version ?? '8.19';
  const state = new BitbucketState(runtime.root);
  const faults = new Faults();
  const requests: ApiRequestRecord[] = [];
  const gitRequests: GitRequestRecord[] = [];
  const deliveries: Delivery[] = [];
  const payloads = new Payloads(state);
  const oauth = new BitbucketOAuth();
  const pageLimit = opts.pageLimit ?? 3;
  const maxLimit = opts.maxLimit ?? 1000;
  let urls: Urls = { web: '', host: '' };

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, rel: string): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const query = url.searchParams;
    const record: ApiRequestRecord = { method, path: url.pathname, query: url.search.replace(/^\?/, ''), status: 0, token: tokenOf(req) };
    requests.push(record);
    const bodyBytes = await readBody(req);
    await latency(opts.latencyMs);
    const headers: Record<string, string> = { 'Content-Type': 'application/json;charset=UTF-8', 'Cache-Control': 'no-cache, no-transform', Vary: 'X-AUSERNAME' };
    const send = (status: number, body: Buffer | null, extra: Record<string, string> = {}): void => {
      record.status = status;
      const all = { ...headers, ...extra };
      if (status === 204) delete all['Content-Type'];
      res.writeHead(status, all);
      res.end(method === 'HEAD' || body === null ? undefined : body);
    };
    try {
      const startRaw = Number.parseInt(query.get('start') ?? '', 10);
      const limitRaw = Number.parseInt(query.get('limit') ?? '', 10);
      const start = Number.isFinite(startRaw) && startRaw > 0 ? startRaw : 0;
      const limit = Number.isFinite(limitRaw) && limitRaw > 0 ? Math.min(limitRaw, maxLimit) : pageLimit;
      const f = faults.take(method, url.pathname, Math.floor(start / limit) + 1);
      if (f !== null) {
        const body = f.body ?? { errors: [{ context: null, message: f.status === 429 ? 'Rate limit exceeded' : `HTTP ${f.status}`, exceptionName: null }] };
        const extra = f.headers ?? (f.status === 429 ? { 'Retry-After': '1' } : {});
        send(f.status, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), extra);
        return;
      }
      const { user, token } = authenticate(state, req);
      if (user !== null) {
        headers['X-AUSERNAME'] = user.name;
        headers['X-AUSERID'] = String(user.id);
      }
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
        throw new HttpError(404, { errors: [{ context: null, message: `null for uri: ${url.pathname}`, exceptionName: null }] });
      }
      let body: Record<string, unknown> = {};
      if (bodyBytes.length > 0) {
        try {
          body = JSON.parse(bodyBytes.toString('utf8')) as Record<string, unknown>;
        } catch {
          throw bbError(400, 'The request body is not valid JSON', 'com.atlassian.bitbucket.rest.exception.BadRequestException');
        }
      }
      const ctx: Ctx = { method: routeMethod, query, body, user, token, state, urls, version };
      const result = await match.route.handler(ctx, match.params);
      if (result.raw !== undefined) send(result.status, result.raw.bytes, { 'Content-Type': result.raw.contentType });
      else if (result.list !== undefined) send(result.status, Buffer.from(JSON.stringify(paged(result.list, start, limit))));
      else send(result.status, result.body === undefined ? null : Buffer.from(JSON.stringify(result.body)));
    } catch (e) {
      if (e instanceof HttpError) send(e.status, Buffer.from(JSON.stringify(e.body)), e.headers);
      else {
        record.status = 500;
        if (!res.headersSent) send(500, Buffer.from(JSON.stringify({ errors: [{ context: null, message: 'Internal error', exceptionName: null }] })));
        else res.end();
        throw e;
      }
    }
  }

  function gitAccess(req: IncomingMessage, url: URL, key: string, slug: string, tail: string): { token: string | null; access: GitAccess } {
    const raw = tokenOf(req);
    const denied: GitAccess = { ok: false, status: 401, text: 'Authentication failed\n', headers: { 'WWW-Authenticate': 'Basic realm="Atlassian Bitbucket"' } };
    let user: User | null;
    let token: Token | null;
    try {
      ({ user, token } = authenticate(state, req));
    } catch {
      return { token: raw, access: denied };
    }
    const r = state.findRepo(key, slug);
    if (r === undefined || state.repoLevel(user, r, token) === 0) {
      return { token: raw, access: user === null ? denied : { ok: false, status: 404, text: `Repository not found\n` } };
    }
    if (isReceivePack(url, tail)) return { token: raw, access: { ok: false, status: 403, text: 'You are not permitted to push to this repository (the fake is read-only over git).\n' } };
    return { token: raw, access: { ok: true, repoFile: `${r.id}.git`, remoteUser: user?.name ?? 'anonymous' } };
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
    if (ctxPath !== '' && path !== ctxPath && !path.startsWith(`${ctxPath}/`)) return notFound();
    const rel = path.slice(ctxPath.length) || '/';
    for (const api of ['/rest/api/1.0', '/rest/api/latest']) {
      if (rel === api || rel.startsWith(`${api}/`)) {
        handleApi(req, res, url, rel.slice(api.length) || '/').catch(fail);
        return;
      }
    }
    if (rel.startsWith('/rest/oauth2/latest/')) {
      serveOAuth(state, oauth, req, res, url, rel)
        .then((served) => {
          if (!served) {
            runtime.unexpected.push({ method: req.method ?? 'GET', path });
            notFound();
          }
        })
        .catch(fail);
      return;
    }
    const m = /^\/scm\/([^/]+)\/([^/]+?)(?:\.git)?(\/.*)$/.exec(rel);
    const tail = m === null ? null : GIT_TAIL.exec(m[3] ?? '');
    if (m !== null && tail !== null && tail.index === 0) {
      const { token, access } = gitAccess(req, url, m[1] ?? '', m[2] ?? '', tail[1] ?? '');
      serveGitRequest({ root: runtime.root, children: runtime.children, gitRequests }, req, res, url, tail[1] ?? '', token, access);
      return;
    }
    runtime.unexpected.push({ method: req.method ?? 'GET', path });
    notFound();
  };

  const server = await listen(runtime, handler, { tls: opts.tls, strict: opts.strict, label: 'fake Bitbucket Server' });
  const web = `${server.origin}${ctxPath}`;
  urls = { web, host: new URL(server.origin).host };

  return {
    url: web,
    apiUrl: `${web}/rest/api/1.0`,
    state,
    payloads,
    requests,
    gitRequests,
    deliveries,
    unexpected: runtime.unexpected,
    oauth,
    fault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    async deliver(url, eventKey, payload, dopts = {}) {
      const d = await runtime.track(deliverTo(url, eventKey, payload, dopts));
      deliveries.push(d);
      return d;
    },
    async fire(projectKey, slug, eventKey, payload) {
      const r = state.repo(projectKey, slug);
      const hooks = [...state.hooksOf({ type: 'repository', id: r.id }), ...(version.startsWith('8') ? state.hooksOf({ type: 'project', id: r.projectId }) : [])];
      const out: Delivery[] = [];
      for (const h of hooks) {
        if (!h.active || !h.events.includes(eventKey)) continue;
        out.push(await runtime.track(deliverTo(h.url, eventKey, payload, { secret: h.secret, hookId: h.id })));
      }
      deliveries.push(...out);
      return out;
    },
    idle: () => runtime.idle(),
    close: () => server.close(),
  };
}
