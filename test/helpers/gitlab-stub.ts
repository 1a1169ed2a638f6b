// A tiny stub of GitLab's REST v4 for the GitLab forge's unit tests: a route table of canned
// answers under a relative URL root (/gitlab/api/v4), GitLab's offset paging (page, per_page,
// x-next-page, x-total) for lists, and a record of every request. Not a fake: no state beyond
// what a test sets; the stateful fake lives in test/fakes/gitlab/.
import type { Test } from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const ROOT = '/gitlab/api/v4';

export interface StubRequest {
  method: string;
  /** The path below ROOT, undecoded (`/groups/corp%2Facme`). */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface StubAnswer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw bytes instead of JSON. */
  raw?: Buffer;
}

/** A route answers a request; an array body is paged like GitLab unless the answer sets x-next-page itself. */
export type Route = StubAnswer | ((req: StubRequest) => StubAnswer);

export interface Stub {
  /** The integration's `url` (web URL with the relative root). */
  url: string;
  requests: StubRequest[];
  routes: Map<string, Route>;
  /** Sets the answer of `METHOD /path` (path below ROOT, undecoded). */
  on(method: string, path: string, route: Route): void;
}

export async function gitlabStub(t: Test): Promise<Stub> {
  const routes = new Map<string, Route>();
  const requests: StubRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://stub');
      const raw = (req.url ?? '/').split('?')[0] ?? '/';
      const text = Buffer.concat(chunks).toString('utf8');
      const r: StubRequest = {
        method: req.method ?? 'GET',
        path: raw.startsWith(ROOT) ? raw.slice(ROOT.length) : raw,
        query: u.searchParams,
        headers: req.headers,
        body: text === '' ? undefined : JSON.parse(text),
      };
      requests.push(r);
      if (!raw.startsWith(ROOT)) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end('{"message":"404 outside the relative root"}');
      }
      const route = routes.get(`${r.method} ${r.path}`);
      const answer: StubAnswer = route === undefined ? { status: 404, body: { message: '404 Not Found' } } : typeof route === 'function' ? route(r) : route;
      const status = answer.status ?? 200;
      if (answer.raw) {
        res.writeHead(status, { 'content-type': 'text/plain', ...answer.headers });
        return res.end(answer.raw);
      }
      let body = answer.body;
      const headers: Record<string, string> = { 'content-type': 'application/json', ...answer.headers };
      if (Array.isArray(body) && status === 200 && answer.headers?.['x-next-page'] === undefined) {
        const perPage = Math.min(100, Number(u.searchParams.get('per_page') ?? '20'));
        const page = Number(u.searchParams.get('page') ?? '1');
        const total = body.length;
        body = body.slice((page - 1) * perPage, page * perPage);
        headers['x-page'] = String(page);
        headers['x-per-page'] = String(perPage);
        headers['x-next-page'] = page * perPage < total ? String(page + 1) : '';
        headers['x-total'] = String(total);
      }
      res.writeHead(status, headers);
      res.end(body === undefined ? '' : JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gitlab`;
  return { url, requests, routes, on: (method, path, route) => void routes.set(`${method} ${path}`, route) };
}

/** A members/all or project members row as GitLab documents it. */
export function member(id: number, username: string, access_level: number, state = 'active') {
  return { id, username, name: username.toUpperCase(), state, access_level, avatar_url: null, web_url: `https://gl/${username}`, expires_at: null };
}

export function group(id: number, full_path: string, parent_id: number | null) {
  const path = full_path.split('/').pop() as string;
  return { id, name: path.toUpperCase(), path, full_path, full_name: full_path, parent_id, visibility: 'private', web_url: `https://gl/groups/${full_path}` };
}

export function project(id: number, path_with_namespace: string, namespace: { id: number; full_path: string }, over: Record<string, unknown> = {}) {
  const path = path_with_namespace.split('/').pop() as string;
  return {
    id,
    name: path,
    path,
    path_with_namespace,
    default_branch: 'main',
    visibility: 'private',
    archived: false,
    empty_repo: false,
    http_url_to_repo: `https://gl.example/gitlab/${path_with_namespace}.git`,
    ssh_url_to_repo: `git@gl.example:${path_with_namespace}.git`,
    last_activity_at: '2026-11-30T10:00:00.000Z',
    namespace: { id: namespace.id, name: namespace.full_path, path: namespace.full_path.split('/').pop(), kind: 'group', full_path: namespace.full_path },
    shared_with_groups: [],
    ...over,
  };
}
