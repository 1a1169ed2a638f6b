// A tiny stub of Bitbucket Data Center's REST 1.0 for the Bitbucket Data Center forge's unit
// tests: a route table of canned answers under a context path (/bitbucket/rest/api/1.0),
// Bitbucket's body paging (start, limit -> {values, isLastPage, nextPageStart}) for array
// answers, and a record of every request. Not a fake: no state beyond what a test sets.
import type { Test } from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const CONTEXT = '/bitbucket';
export const ROOT = `${CONTEXT}/rest/api/1.0`;

export interface StubRequest {
  method: string;
  /** The path below ROOT, undecoded. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface StubAnswer {
  status?: number;
  /** An array is paged like Bitbucket (`limit` per page, default 25). */
  body?: unknown;
  headers?: Record<string, string>;
  raw?: Buffer;
}

export type Route = StubAnswer | ((req: StubRequest) => StubAnswer);

export interface Stub {
  /** The integration's `url` (web URL with the context path). */
  url: string;
  requests: StubRequest[];
  /** Sets the answer of `METHOD /path` (path below ROOT, undecoded). */
  on(method: string, path: string, route: Route): void;
}

export async function bitbucketServerStub(t: Test): Promise<Stub> {
  const routes = new Map<string, Route>();
  const requests: StubRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://stub');
      const raw = (req.url ?? '/').split('?')[0] ?? '/';
      const text = Buffer.concat(chunks).toString('utf8');
      const r: StubRequest = { method: req.method ?? 'GET', path: raw.startsWith(ROOT) ? raw.slice(ROOT.length) : raw, query: u.searchParams, headers: req.headers, body: text === '' ? undefined : JSON.parse(text) };
      requests.push(r);
      const route = raw.startsWith(ROOT) ? routes.get(`${r.method} ${r.path}`) : undefined;
      const answer: StubAnswer = route === undefined ? { status: 404, body: { errors: [{ message: 'not found' }] } } : typeof route === 'function' ? route(r) : route;
      const status = answer.status ?? 200;
      if (answer.raw) {
        res.writeHead(status, { 'content-type': 'text/plain', ...answer.headers });
        return res.end(answer.raw);
      }
      let body = answer.body;
      if (Array.isArray(body) && status === 200) {
        const limit = Number(u.searchParams.get('limit') ?? '25');
        const start = Number(u.searchParams.get('start') ?? '0');
        const values = body.slice(start, start + limit);
        const isLastPage = start + limit >= body.length;
        body = { size: values.length, limit, start, isLastPage, values, ...(isLastPage ? {} : { nextPageStart: start + limit }) };
      }
      res.writeHead(status, { 'content-type': 'application/json', ...answer.headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${CONTEXT}`;
  return { url, requests, on: (method, path, route) => void routes.set(`${method} ${path}`, route) };
}

/** A user as /users and the admin group endpoints return it. */
export function user(id: number, name: string, active = true) {
  return { id, name, slug: name.toLowerCase(), displayName: name.toUpperCase(), emailAddress: `${name}@example.com`, active, type: 'NORMAL' };
}

export function project(id: number, key: string, over: Record<string, unknown> = {}) {
  return { id, key, name: `${key} project`, public: false, type: 'NORMAL', ...over };
}

export function repo(id: number, key: string, slug: string, base: string, over: Record<string, unknown> = {}) {
  return {
    id,
    slug,
    name: slug,
    project: { id: 1, key },
    public: false,
    archived: false,
    state: 'AVAILABLE',
    defaultBranch: 'main',
    links: { clone: [{ href: `${base}/scm/${key.toLowerCase()}/${slug}.git`, name: 'http' }, { href: `ssh://git@bb.example:7999/${key.toLowerCase()}/${slug}.git`, name: 'ssh' }] },
    ...over,
  };
}
