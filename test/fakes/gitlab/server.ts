// A stateful fake GitLab (self-managed, 19.5 EE, Free or Premium) on loopback, on the fakes' kit:
// the REST API under ROOT/api/v4 (GitLab's offset paging headers, ETags, optional rate limits,
// faults, latency), git smart HTTP at ROOT/<full path>.git, OAuth at ROOT/oauth/*, webhook
// deliveries and pushes that fire installed hooks. ROOT is the optional relative URL root.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Faults, type Fault } from '../kit/faults.js';
import { latency, notModified, readBody, tokenOf, weakEtag, type ApiRequestRecord } from '../kit/http.js';
import { linkHeader, parsePaging } from '../kit/paging.js';
import { serveGitRequest, type GitRequestRecord } from '../kit/git-http.js';
import { createRuntime, listen, type TlsOptions } from '../kit/server.js';
import type { Delivery } from '../kit/webhooks.js';
import { gitAccess, gitTarget } from './git-http.js';
import type { Tier } from './model.js';
import { serveOAuth, type OAuthTokenRequest } from './oauth.js';
import { Payloads } from './payloads.js';
import { push as doPush, hooksFor, type PushSpec } from './push.js';
import type { Urls } from './render.js';
import { checkScopes, HttpError, type Ctx, type Result } from './route-kit.js';
import { routes } from './routes.js';
import { GitLabState } from './state.js';
import { deliverTo, EVENT_HEADER, hookExecutable, recordOutcome, type DeliverOptions, type EventName } from './webhooks.js';

export type { Fault } from '../kit/faults.js';
export type { ApiRequestRecord } from '../kit/http.js';

export interface FakeGitLabOptions {
  /** GitLab's relative URL root, e.g. '/gitlab' (default none). */
  relativeRoot?: string;
  /** premium: group hooks exist; free: /groups/:id/hooks answers 404. */
  tier: Tier;
  /** Default page size (GitLab's is 20); per_page is capped at 100. */
  perPage?: number;
  /** The cap on a client's per_page (default 100, GitLab's); smaller makes short listings span pages. */
  maxPerPage?: number;
  /** Added to every API request. */
  latencyMs?: number;
  /** Requests per minute per token (or per IP); over it GitLab's 429 with RateLimit-* and Retry-After. */
  rateLimit?: { limit: number; windowSeconds?: number } | false;
  /** Default true: close() rejects when an API request matched no endpoint of the fake. */
  strict?: boolean;
  tls?: TlsOptions;
}

export interface FakeGitLab {
  /** http(s)://127.0.0.1:PORT[ROOT]: the instance URL (X-Gitlab-Instance, web_url, clone URLs). */
  readonly url: string;
  /** `${url}/api/v4` */
  readonly apiUrl: string;
  readonly state: GitLabState;
  readonly payloads: Payloads;
  readonly requests: ApiRequestRecord[];
  readonly unexpected: Array<{ method: string; path: string }>;
  readonly gitRequests: GitRequestRecord[];
  readonly oauthTokenRequests: OAuthTokenRequest[];
  readonly deliveries: Delivery[];
  fault(f: Fault): void;
  clearFaults(): void;
  /** Sends one event to a URL as GitLab would (no installed hook needed). */
  deliver(url: string, event: EventName, payload: object, opts?: DeliverOptions): Promise<Delivery>;
  /** Sends an event to every installed hook that subscribed to it (project and, on premium, group hooks). */
  fire(target: { project: string } | { group: string }, event: EventName, payload: object): Promise<Delivery[]>;
  /** Commits and tags in the real repository, then fires Push/Tag Push hooks as GitLab does. */
  push(project: string, spec: PushSpec): ReturnType<typeof doPush>;
  idle(): Promise<void>;
  close(): Promise<void>;
}

const FLAG_OF: Record<EventName, string> = {
  'Push Hook': 'push_events',
  'Tag Push Hook': 'tag_push_events',
  'Release Hook': 'releases_events',
  'Member Hook': 'member_events',
  'Subgroup Hook': 'subgroup_events',
  'Project Hook': 'project_events',
};

const TOTAL_LIMIT = 10_000;

/** GitLab's offset pagination headers (x-total and rel=last omitted above 10,000 rows). */
export function pagingHeaders(base: string, query: URLSearchParams, page: number, perPage: number, total: number): Record<string, string> {
  const totalPages = Math.ceil(total / perPage);
  const known = total <= TOTAL_LIMIT;
  const hasNext = page * perPage < total;
  const q = new URLSearchParams(query);
  q.set('per_page', String(perPage));
  const rels: Array<[string, number]> = [];
  if (page > 1) rels.push(['prev', page - 1]);
  if (hasNext) rels.push(['next', page + 1]);
  rels.push(['first', 1]);
  if (known) rels.push(['last', Math.max(1, totalPages)]);
  const h: Record<string, string> = {
    'X-Page': String(page),
    'X-Per-Page': String(perPage),
    'X-Next-Page': hasNext ? String(page + 1) : '',
    'X-Prev-Page': page > 1 ? String(page - 1) : '',
  };
  if (known) {
    h['X-Total'] = String(total);
    h['X-Total-Pages'] = String(totalPages);
  }
  const link = linkHeader(base, q, rels);
  if (link !== null) h['Link'] = link;
  return h;
}

export async function startFakeGitLab(opts: FakeGitLabOptions): Promise<FakeGitLab> {
  const runtime = await createRuntime('packyard-fake-gitlab-');
  const root = (opts.relativeRoot ?? '').replace(/\/+$/, '');
  if (root !== '' && !root.startsWith('/')) throw new Error('relativeRoot starts with /');
  const state = new GitLabState(runtime.root);
  const faults = new Faults();
  const requests: ApiRequestRecord[] = [];
  const gitRequests: GitRequestRecord[] = [];
  const deliveries: Delivery[] = [];
  const oauthTokenRequests: OAuthTokenRequest[] = [];
  const failures = new Map<number, number>();
  const windows = new Map<string, { used: number; reset: number }>();
  const defaultPerPage = opts.perPage ?? 20;
  let urls: Urls = { web: '', api: '', host: '' };

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, rel: string): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const query = url.searchParams;
    const raw = tokenOf(req, 'PRIVATE-TOKEN') ?? query.get('private_token') ?? query.get('access_token');
    const record: ApiRequestRecord = { method, path: url.pathname, query: url.search.replace(/^\?/, ''), status: 0, token: raw };
    requests.push(record);
    const bodyBytes = await readBody(req);
    await latency(opts.latencyMs);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Cache-Control': 'max-age=0, private, must-revalidate',
      Vary: 'Origin, Accept-Encoding',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'SAMEORIGIN',
      'X-Request-Id': randomUUID().replace(/-/g, '').slice(0, 26).toUpperCase(),
      'X-Runtime': '0.012345',
    };
    const send = (status: number, body: Buffer | null, extra: Record<string, string> = {}): void => {
      record.status = status;
      const all = { ...headers, ...extra };
      if (status === 304 || status === 204) delete all['Content-Type'];
      res.writeHead(status, all);
      res.end(method === 'HEAD' || body === null ? undefined : body);
    };
    try {
      const { page, perPage } = parsePaging(query, defaultPerPage, opts.maxPerPage ?? 100);
      const f = faults.take(method, url.pathname, page);
      if (f !== null) {
        const body = f.body ?? (f.status >= 500 ? { message: '500 Internal Server Error' } : { message: `${f.status}` });
        send(f.status, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), f.headers ?? {});
        return;
      }
      // Authentication.
      const token = raw === null || raw === '' ? null : (state.tokens.get(raw) ?? null);
      if (raw !== null && token === null) throw new HttpError(401, { message: '401 Unauthorized' });
      if (token !== null && token.revoked) throw new HttpError(401, { error: 'invalid_token', error_description: 'Token was revoked. You have to re-authorize from the user.' });
      if (token !== null && token.expiresAt !== null && Date.parse(token.expiresAt) <= Date.now()) throw new HttpError(401, { error: 'invalid_token', error_description: 'Token has expired.' });
      const user = token === null ? null : (state.users.get(token.userId) ?? null);
      if (user === null) throw new HttpError(401, { message: '401 Unauthorized' });
      if (user.state === 'blocked') throw new HttpError(403, { message: '403 Forbidden - Your account has been blocked.' });
      if (user.state === 'deactivated') {
        throw new HttpError(403, { message: '403 Forbidden - Your account has been deactivated by your administrator. Please log back in to reactivate your account.' });
      }
      // Rate limit (Rack::Attack's authenticated API throttle).
      if (opts.rateLimit) {
        const period = opts.rateLimit.windowSeconds ?? 60;
        const key = `user:${user.id}`;
        const now = Math.floor(Date.now() / 1000);
        let w = windows.get(key);
        if (w === undefined || w.reset <= now) windows.set(key, (w = { used: 0, reset: now + period }));
        w.used++;
        if (w.used > opts.rateLimit.limit) {
          const retry = Math.max(1, w.reset - now);
          record.status = 429;
          res.writeHead(429, {
            'Content-Type': 'text/plain',
            'RateLimit-Name': 'throttle_authenticated_api',
            'RateLimit-Limit': String(opts.rateLimit.limit),
            'RateLimit-Observed': String(w.used),
            'RateLimit-Remaining': '0',
            'RateLimit-Reset': String(w.reset),
            'RateLimit-ResetTime': new Date(w.reset * 1000).toUTCString(),
            'Retry-After': String(retry),
          });
          res.end('Retry later\n');
          return;
        }
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
        throw new HttpError(404, { error: '404 Not Found' });
      }
      let body: Record<string, unknown> = {};
      if (bodyBytes.length > 0) {
        const type = String(req.headers['content-type'] ?? '');
        try {
          body = type.includes('json') ? (JSON.parse(bodyBytes.toString('utf8')) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(bodyBytes.toString('utf8')));
        } catch {
          throw new HttpError(400, { error: 'The provided content-type is not supported.' });
        }
      }
      const ctx: Ctx = { method: routeMethod, query, body, user, token, state, urls, tier: opts.tier };
      checkScopes(ctx, match.route);
      const result: Result = await match.route.handler(ctx, match.params);
      const extra: Record<string, string> = { ...(result.headers ?? {}) };
      let bytes: Buffer | null = null;
      if (result.raw !== undefined) {
        bytes = result.raw.bytes;
        extra['Content-Type'] = result.raw.contentType;
      } else if (result.list !== undefined) {
        bytes = Buffer.from(JSON.stringify(result.list.slice((page - 1) * perPage, page * perPage)));
        Object.assign(extra, pagingHeaders(`${urls.api}${rel}`, query, page, perPage, result.list.length));
      } else if (result.body !== undefined) {
        bytes = Buffer.from(JSON.stringify(result.body));
      }
      if (routeMethod === 'GET' && result.status === 200 && bytes !== null) {
        const etag = weakEtag(bytes);
        extra['ETag'] = etag;
        if (notModified(req, etag)) {
          send(304, null, extra);
          return;
        }
      }
      send(result.status, bytes, extra);
    } catch (e) {
      if (e instanceof HttpError) send(e.status, Buffer.from(JSON.stringify(e.body)), e.headers);
      else {
        record.status = 500;
        if (!res.headersSent) send(500, Buffer.from(JSON.stringify({ message: '500 Internal Server Error' })));
        else res.end();
        throw e;
      }
    }
  }

  const handler: RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const fail = (): void => {
      if (!res.writableEnded) res.end();
    };
    if (root !== '' && path !== root && !path.startsWith(`${root}/`)) {
      req.resume();
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Not Found\n');
      return;
    }
    const rel = path.slice(root.length) || '/';
    if (rel === '/api/v4' || rel.startsWith('/api/v4/')) {
      handleApi(req, res, url, rel.slice('/api/v4'.length) || '/').catch(fail);
      return;
    }
    if (rel.startsWith('/oauth/')) {
      serveOAuth(state, oauthTokenRequests, req, res, url, rel).catch(fail);
      return;
    }
    const target = gitTarget(rel);
    if (target !== null) {
      const { token, access } = gitAccess(state, req, url, target);
      serveGitRequest({ root: runtime.root, children: runtime.children, gitRequests }, req, res, url, target.tail, token, access);
      return;
    }
    req.resume();
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('Not Found\n');
  };

  const server = await listen(runtime, handler, { tls: opts.tls, strict: opts.strict, label: 'fake GitLab' });
  const web = `${server.origin}${root}`;
  urls = { web, api: `${web}/api/v4`, host: new URL(server.origin).host };
  const payloads = new Payloads(state, () => urls);

  return {
    url: web,
    apiUrl: urls.api,
    state,
    payloads,
    requests,
    unexpected: runtime.unexpected,
    gitRequests,
    oauthTokenRequests,
    deliveries,
    fault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    async deliver(url, event, payload, dopts = {}) {
      const d = await runtime.track(deliverTo(urls.web, url, event, payload, dopts));
      deliveries.push(d);
      return d;
    },
    async fire(target, event, payload) {
      const hooks =
        'project' in target
          ? hooksFor(state, opts.tier, state.project(target.project))
          : opts.tier === 'premium'
            ? state.ancestors(state.group(target.group)).flatMap((g) => state.hooksOf('group', g.id))
            : [];
      const eventUuid = randomUUID();
      const out: Delivery[] = [];
      for (const h of hooks) {
        if (h.events[FLAG_OF[event]] !== true || !hookExecutable(h)) continue;
        const d = await runtime.track(deliverTo(urls.web, h.url, event, payload, { token: h.token, hookUuid: h.uuid, eventUuid, hookId: h.id }));
        recordOutcome(h, failures, d.status);
        out.push(d);
      }
      deliveries.push(...out);
      return out;
    },
    async push(project, spec) {
      const r = await runtime.track(doPush({ state, payloads, tier: opts.tier, instance: () => urls.web, failures }, project, spec));
      deliveries.push(...r.deliveries);
      return r;
    },
    idle: () => runtime.idle(),
    close: () => server.close(),
  };
}

export { EVENT_HEADER };
