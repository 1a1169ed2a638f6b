// A stateful fake GitHub Enterprise Server on loopback: the REST API under /api/v3 (pagination,
// ETags, rate limits, faults, latency) and git smart HTTP at /{owner}/{repo}.git via git http-backend.
// With `apiPrefix: ''` the REST API is served at the root as api.github.com serves it (and
// /api/v3 is refused), for tests of a `url: https://github.com` integration.

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Faults, type Fault } from '../kit/faults.js';
import { latency, notModified, readBody, tokenOf, type ApiRequestRecord } from '../kit/http.js';
import { createRuntime, listen } from '../kit/server.js';
import { badCredentials, DOCS, HttpError, linkHeader, looksLikeJwt, parsePaging, verifyAppJwt, weakEtag, type Result } from './http-kit.js';
import type { Urls } from './render.js';
import { routes, type Ctx } from './routes.js';
import { GhesState, type App, type Principal } from './state.js';
import { GIT_PATH, serveGit } from './git-http.js';
import { Payloads } from './payloads.js';
import { OAUTH_PATHS, serveOAuth, type OAuthTokenRequest } from './oauth.js';
import { deliverToHook, pingPayload, subscribedHooks, type Delivery } from './webhooks.js';

export type { Fault } from '../kit/faults.js';
export type { ApiRequestRecord } from '../kit/http.js';

export interface FakeGhesOptions {
  /** Added to every API request (benchmarks use 20). */
  latencyMs?: number;
  /** Default false: GHES's default, /rate_limit answers 404 and no X-RateLimit-* headers. */
  rateLimit?: { limit: number } | false;
  /** ghes: X-GitHub-Enterprise-Version on every response; dotcom: same paths, no enterprise headers. */
  flavor?: 'ghes' | 'dotcom';
  /** Host written into Link headers (a misconfigured hostname gives cross-origin next links). */
  linkHost?: string;
  /**
   * Default true: close() rejects when an API request matched no endpoint the fake implements
   * (the request itself gets GitHub's 404), so a client calling something unexpected fails its test.
   */
  strict?: boolean;
  /** Serve https with this key and certificate (e.g. a self-signed one: GHES with a private CA). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * Where the REST API lives: '/api/v3' (default, GHES) or '' (at the root, the shape of
   * api.github.com; OAuth and git keep their paths on the same port). With '', a request under
   * /api/v3 answers GitHub's 404 and counts as unexpected (so a strict fake's close() rejects).
   */
  apiPrefix?: '/api/v3' | '';
}

export interface FakeGhes {
  /** http://127.0.0.1:PORT (web root; git over http at /{owner}/{repo}.git) */
  readonly url: string;
  /** `${url}/api/v3`, or `url` itself with `apiPrefix: ''` */
  readonly apiUrl: string;
  readonly state: GhesState;
  /** API requests only, in arrival order. */
  readonly requests: ApiRequestRecord[];
  /** API requests that matched no endpoint of the fake (answered 404). */
  readonly unexpected: Array<{ method: string; path: string }>;
  /** Git smart-HTTP requests. */
  readonly gitRequests: Array<{ method: string; path: string; status: number; token: string | null }>;
  /** Every POST /login/oauth/access_token (OAuth web flow), with what the client sent. */
  readonly oauthTokenRequests: OAuthTokenRequest[];
  /** Every webhook delivery sent (deliver(), pings). */
  readonly deliveries: Delivery[];
  fault(f: Fault): void;
  clearFaults(): void;
  deliver(org: string, event: string, payload: object, opts?: { deliveryId?: string; badSignature?: boolean }): Promise<Array<{ hookId: number; status: number; deliveryId: string }>>;
  /** Webhook payload builders over this fake's state (push reads real commits). */
  readonly payloads: Payloads;
  /** Waits for background deliveries (pings after hook creation) to finish. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** A secondary-rate-limit fault: 403 with Retry-After and GitHub's message. */
export function secondaryRateLimit(path: RegExp, retryAfterSeconds = 1, times = 1): Fault {
  return {
    path,
    status: 403,
    times,
    headers: { 'Retry-After': String(retryAfterSeconds) },
    body: {
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
      documentation_url: 'https://docs.github.com/enterprise-server@3.19/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits',
      status: '403',
    },
  };
}

function requestId(): string {
  const h = randomBytes(10).toString('hex').toUpperCase();
  return `${h.slice(0, 4)}:${h.slice(4, 8)}:${h.slice(8, 14)}:${h.slice(14, 20)}:${Math.floor(Date.now() / 1000).toString(16).toUpperCase()}`;
}

export async function startFakeGhes(opts: FakeGhesOptions = {}): Promise<FakeGhes> {
  const runtime = await createRuntime('packyard-fake-ghes-');
  const { root, children, unexpected, track } = runtime;
  const state = new GhesState(root);
  const flavor = opts.flavor ?? 'ghes';
  const apiPrefix = opts.apiPrefix ?? '/api/v3';
  const requests: ApiRequestRecord[] = [];
  const gitRequests: FakeGhes['gitRequests'] = [];
  const deliveries: Delivery[] = [];
  const oauthTokenRequests: OAuthTokenRequest[] = [];
  const faults = new Faults();
  const rateWindows = new Map<string, { used: number; reset: number }>();
  let urls: Urls = { web: '', api: '' };

  const ping = (hookId: number, sender?: Principal | null): void => {
    const hook = state.hooks.get(hookId);
    if (hook === undefined) return;
    const payload = pingPayload(state, urls, hook, sender?.kind === 'user' ? sender.user : undefined);
    void track(deliverToHook(state, urls, hook, 'ping', payload, { flavor }).then((d) => deliveries.push(d)));
  };

  const rateWindow = (key: string): { used: number; reset: number } => {
    const now = Math.floor(Date.now() / 1000);
    let w = rateWindows.get(key);
    if (w === undefined || w.reset <= now) {
      w = { used: 0, reset: now + 3600 };
      rateWindows.set(key, w);
    }
    return w;
  };

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const rel = url.pathname.slice(apiPrefix.length) || '/';
    const query = url.searchParams;
    const rawToken = tokenOf(req);
    const record: ApiRequestRecord = { method, path: url.pathname, query: url.search.replace(/^\?/, ''), status: 0, token: rawToken };
    requests.push(record);
    const bodyBytes = await readBody(req);
    await latency(opts.latencyMs);

    const headers: Record<string, string> = {
      'Content-Type': 'application/json; charset=utf-8',
      'X-GitHub-Media-Type': 'github.v3; format=json',
      'X-GitHub-Request-Id': requestId(),
      'X-GitHub-Api-Version-Selected': '2022-11-28',
      Vary: 'Accept, Authorization, Cookie, X-GitHub-OTP, Accept-Encoding',
      'X-Content-Type-Options': 'nosniff',
      'Access-Control-Expose-Headers':
        'ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset',
    };
    if (flavor === 'ghes') headers['X-GitHub-Enterprise-Version'] = '3.19.0';

    let rateKey: string | null = null;
    const send = (status: number, body: Buffer | null, extra: Record<string, string> = {}): void => {
      record.status = status;
      if (opts.rateLimit && rateKey !== null) {
        const w = rateWindow(rateKey);
        // 304s are free, as on GitHub; /rate_limit itself too.
        if (status !== 304 && rel !== '/rate_limit') w.used++;
        Object.assign(headers, {
          'X-RateLimit-Limit': String(opts.rateLimit.limit),
          'X-RateLimit-Remaining': String(Math.max(0, opts.rateLimit.limit - w.used)),
          'X-RateLimit-Used': String(w.used),
          'X-RateLimit-Reset': String(w.reset),
          'X-RateLimit-Resource': 'core',
        });
      }
      const all = { ...headers, ...extra };
      if (status === 304 || status === 204) delete all['Content-Type'];
      res.writeHead(status, all);
      res.end(method === 'HEAD' || body === null ? undefined : body);
    };
    const sendError = (e: HttpError): void => send(e.status, Buffer.from(JSON.stringify(e.body)), e.headers);

    try {
      const { page, perPage } = parsePaging(query);
      // Faults first: they imitate an unhealthy server or a proxy in front of it.
      const f = faults.take(method, url.pathname, page);
      if (f !== null) {
        const body = f.body ?? { message: f.status >= 500 ? 'Server Error' : 'Fault', documentation_url: DOCS };
        send(f.status, Buffer.from(JSON.stringify(body)), f.headers ?? {});
        return;
      }

      const routeMethod = method === 'HEAD' ? 'GET' : method;
      let match: { route: (typeof routes)[number]; params: string[] } | null = null;
      for (const route of routes) {
        const m = route.re.exec(rel);
        if (m === null) continue;
        if (route.method !== routeMethod) continue;
        match = { route, params: m.slice(1).map((x) => x ?? '') };
        break;
      }

      // Authentication.
      let principal: Principal | null = null;
      let app: App | null = null;
      rateKey = `ip:${req.socket.remoteAddress ?? ''}`;
      if (rawToken !== null) {
        if (rawToken !== '' && looksLikeJwt(rawToken)) {
          app = verifyAppJwt(state, rawToken);
          rateKey = `app:${app.appId}`;
        } else {
          principal = rawToken === '' ? null : state.principal(rawToken);
          if (principal === null) throw badCredentials();
          rateKey = principal.kind === 'user' ? `user:${principal.user.id}` : `inst:${principal.installation.id}`;
          if (principal.kind === 'user') headers['X-OAuth-Scopes'] = (principal.scopes ?? ['admin:org', 'admin:org_hook', 'repo', 'user']).join(', ');
        }
      }
      if (match === null) {
        unexpected.push({ method, path: url.pathname });
        throw new HttpError(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
      }
      const { route, params } = match;
      if (route.jwt === true && app === null) {
        throw new HttpError(401, { message: 'A JSON web token could not be decoded', documentation_url: DOCS, status: '401' });
      }
      if (route.jwt !== true && app !== null) {
        throw new HttpError(403, { message: 'Resource not accessible by integration', documentation_url: DOCS, status: '403' });
      }
      if (route.jwt !== true && principal === null && route.anonymous !== true) {
        throw new HttpError(401, { message: 'Requires authentication', documentation_url: DOCS, status: '401' });
      }

      // Primary rate limit.
      if (opts.rateLimit && rateKey !== null && rel !== '/rate_limit') {
        const w = rateWindow(rateKey);
        if (w.used >= opts.rateLimit.limit) {
          const id = principal?.kind === 'user' ? principal.user.id : principal?.kind === 'installation' ? principal.installation.id : 0;
          rateWindow(rateKey).used--; // the rejected request itself is not counted twice
          throw new HttpError(403, {
            message: `API rate limit exceeded for user ID ${id}. If you reach out to GitHub Support for help, please include the request ID ${headers['X-GitHub-Request-Id'] ?? ''}.`,
            documentation_url: 'https://docs.github.com/enterprise-server@3.19/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-primary-rate-limits',
            status: '403',
          });
        }
      }

      let body: unknown = undefined;
      if (bodyBytes.length > 0) {
        try {
          body = JSON.parse(bodyBytes.toString('utf8'));
        } catch {
          throw new HttpError(400, { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' });
        }
      }
      const w = opts.rateLimit && rateKey !== null ? rateWindow(rateKey) : null;
      const ctx: Ctx = {
        method,
        query,
        headers: req.headers,
        principal,
        app,
        body,
        urls,
        state,
        flavor,
        rateLimit: w === null || !opts.rateLimit ? null : { limit: opts.rateLimit.limit, used: w.used, remaining: Math.max(0, opts.rateLimit.limit - w.used), reset: w.reset },
        ping: (id) => ping(id, principal),
      };
      const result: Result = await route.handler(ctx, params);
      const extra: Record<string, string> = { ...(result.headers ?? {}) };
      let bytes: Buffer | null = null;
      if (result.raw !== undefined) {
        bytes = result.raw.bytes;
        extra['Content-Type'] = result.raw.contentType;
        extra['X-GitHub-Media-Type'] = result.raw.mediaType;
      } else if (result.list !== undefined) {
        const lastPage = Math.max(1, Math.ceil(result.list.length / perPage));
        const slice = result.list.slice((page - 1) * perPage, page * perPage);
        bytes = Buffer.from(JSON.stringify(slice));
        const host = opts.linkHost ?? req.headers.host ?? new URL(urls.web).host;
        const link = linkHeader(`http://${host}${url.pathname}`, query, page, lastPage);
        if (link !== null) extra['Link'] = link;
      } else if (result.body !== undefined) {
        bytes = Buffer.from(JSON.stringify(result.body));
      }
      if (routeMethod === 'GET' && result.status === 200 && bytes !== null) {
        const etag = weakEtag(bytes);
        extra['ETag'] = etag;
        extra['Cache-Control'] = 'private, max-age=60, s-maxage=60';
        if (result.lastModified !== undefined) extra['Last-Modified'] = new Date(result.lastModified).toUTCString();
        if (notModified(req, etag, result.lastModified)) {
          send(304, null, extra);
          return;
        }
      }
      send(result.status, bytes, extra);
    } catch (e) {
      if (e instanceof HttpError) sendError(e);
      else {
        record.status = 500;
        if (!res.headersSent) send(500, Buffer.from(JSON.stringify({ message: 'Server Error', documentation_url: DOCS })));
        else res.end();
        throw e;
      }
    }
  }

  const underV3 = (path: string): boolean => path === '/api/v3' || path.startsWith('/api/v3/');
  const serveApi = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    handleApi(req, res, url).catch(() => {
      if (!res.writableEnded) res.end();
    });
  };

  const handler: RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (apiPrefix === '/api/v3' && underV3(url.pathname)) {
      serveApi(req, res, url);
      return;
    }
    if (apiPrefix === '' && underV3(url.pathname)) {
      // api.github.com has no /api/v3: a client that adds it is configured for GHES.
      const method = (req.method ?? 'GET').toUpperCase();
      unexpected.push({ method, path: url.pathname });
      requests.push({ method, path: url.pathname, query: url.search.replace(/^\?/, ''), status: 404, token: tokenOf(req) });
      req.resume();
      res.writeHead(404, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' }));
      return;
    }
    if (OAUTH_PATHS.has(url.pathname)) {
      serveOAuth(state, oauthTokenRequests, req, res, url).catch(() => {
        if (!res.writableEnded) res.end();
      });
      return;
    }
    const m = GIT_PATH.exec(url.pathname);
    if (m !== null) {
      serveGit({ root, state, children, gitRequests, tokenOf }, req, res, url, m);
      return;
    }
    if (apiPrefix === '') {
      serveApi(req, res, url);
      return;
    }
    req.resume();
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('Not Found\n');
  };
  const server = await listen(runtime, handler, { tls: opts.tls, strict: opts.strict, label: 'fake GHES' });
  const web = server.origin;
  urls = { web, api: `${web}${apiPrefix}` };

  return {
    url: web,
    apiUrl: urls.api,
    state,
    requests,
    gitRequests,
    unexpected,
    deliveries,
    oauthTokenRequests,
    payloads: new Payloads(state, () => urls),
    fault(f) {
      faults.add(f);
    },
    clearFaults() {
      faults.clear();
    },
    async deliver(org, event, payload, dopts = {}) {
      const o = state.org(org);
      const hooks = subscribedHooks(state, o.id, event);
      const results = await track(
        Promise.all(hooks.map((h) => deliverToHook(state, urls, h, event, payload, { ...dopts, flavor }))),
      );
      deliveries.push(...results);
      return results.map((d) => ({ hookId: d.hookId, status: d.status, deliveryId: d.deliveryId }));
    },
    idle: () => runtime.idle(),
    close: () => server.close(),
  };
}
