// A tiny stub of Bitbucket Cloud for the Bitbucket Cloud forge's unit tests: a route table of
// canned answers (paths as sent: /2.0/…, /1.0/…, /site/oauth2/…), Bitbucket's body paging for
// array answers (page, pagelen -> {values, pagelen, page, size, next: absolute URL}), and a record
// of every request. Not a fake: no state beyond what a test sets (test/fakes/bitbucket-cloud is).
import type { Test } from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  method: string;
  /** The path as sent, undecoded (/2.0/workspaces/acme). */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** The JSON body parsed, or the raw text when it is not JSON. */
  body: unknown;
}

export interface StubAnswer {
  status?: number;
  /** An array is paged like Bitbucket (`pagelen` per page, default 10). */
  body?: unknown;
  headers?: Record<string, string>;
  raw?: Buffer;
}

export type Route = StubAnswer | ((req: StubRequest) => StubAnswer);

export interface Stub {
  /** The stub's origin (http://127.0.0.1:PORT): the integration's url; its api_url is origin + /2.0. */
  origin: string;
  apiUrl: string;
  requests: StubRequest[];
  /** Sets the answer of `METHOD /path` (path as sent, undecoded). */
  on(method: string, path: string, route: Route): void;
}

export async function bitbucketCloudStub(t: Test): Promise<Stub> {
  const routes = new Map<string, Route>();
  const requests: StubRequest[] = [];
  let origin = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://stub');
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = undefined;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      const r: StubRequest = { method: req.method ?? 'GET', path, query: u.searchParams, headers: req.headers, body };
      requests.push(r);
      const route = routes.get(`${r.method} ${path}`);
      const answer: StubAnswer = route === undefined ? { status: 404, body: { type: 'error', error: { message: 'not found' } } } : typeof route === 'function' ? route(r) : route;
      const status = answer.status ?? 200;
      if (answer.raw) {
        res.writeHead(status, { 'content-type': 'text/plain', ...answer.headers });
        return res.end(answer.raw);
      }
      let out = answer.body;
      if (Array.isArray(out) && status === 200 && !path.startsWith('/1.0/')) {
        const pagelen = Number(u.searchParams.get('pagelen') ?? '10');
        const page = Number(u.searchParams.get('page') ?? '1');
        const values = out.slice((page - 1) * pagelen, page * pagelen);
        const more = page * pagelen < out.length;
        const next = new URL(`${origin}${path}`);
        u.searchParams.forEach((v, k) => next.searchParams.set(k, v));
        next.searchParams.set('page', String(page + 1));
        out = { pagelen, page, size: out.length, values, ...(more ? { next: next.toString() } : {}) };
      }
      res.writeHead(status, { 'content-type': 'application/json', ...answer.headers });
      res.end(out === undefined ? '' : JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, apiUrl: `${origin}/2.0`, requests, on: (method, path, route) => void routes.set(`${method} ${path}`, route) };
}

/** An account as API 2.0 returns it (uuid in braces, nickname, display name). */
export function account(n: number, nickname: string, over: Record<string, unknown> = {}) {
  return { type: 'user', uuid: `{00000000-0000-0000-0000-${String(n).padStart(12, '0')}}`, nickname, display_name: nickname.toUpperCase(), account_id: `5b${n}`, ...over };
}

export function repo(n: number, ws: string, slug: string, over: Record<string, unknown> = {}) {
  return {
    type: 'repository',
    uuid: `{10000000-0000-0000-0000-${String(n).padStart(12, '0')}}`,
    full_name: `${ws}/${slug}`,
    name: slug,
    slug,
    is_private: true,
    scm: 'git',
    mainbranch: { type: 'branch', name: 'main' },
    links: { clone: [{ name: 'https', href: `https://alice@bitbucket.org/${ws}/${slug}.git` }, { name: 'ssh', href: `git@bitbucket.org:${ws}/${slug}.git` }] },
    ...over,
  };
}
