// The four paging styles (pure resolvers and the client's paginate against a local server), the
// page cap, cross-origin next pages, and the RateLimit-* / Retry-After waits.
import t, { type Test } from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ForgeHttpClient, type ForgeHttpOptions } from '../../../src/forges/http.js';
import { rateLimitWaitMs } from '../../../src/forges/http-send.js';
import { pageSizeParam, resolvePage, type PageInput } from '../../../src/forges/paging.js';
import { ForgeError } from '../../../src/forges/types.js';

const ORIGIN = 'https://gl.example';
const page = (over: Partial<PageInput>): PageInput => ({ url: `${ORIGIN}/api/v4/x?per_page=2`, headers: {}, body: [], origin: ORIGIN, ...over });

t.test('Link: rel=next followed on the same origin, refused on another', async (t) => {
  t.same(resolvePage('link', page({ body: [1], headers: { link: '</api/v4/x?page=2>; rel="next"' } })), { ok: true, items: [1], next: `${ORIGIN}/api/v4/x?page=2` });
  t.same(resolvePage('link', page({ body: [1] })), { ok: true, items: [1], next: null });
  const cross = resolvePage('link', page({ body: [1], headers: { link: '<https://evil.example/api/v4/x?page=2>; rel="next"' } }));
  t.equal(cross.ok, false);
  t.match(cross, { reason: /another origin/ });
  t.match(resolvePage('link', page({ body: { values: [] } })), { ok: false, reason: /not a list/ });
  t.match(resolvePage('link', page({ body: [], headers: { link: '<javascript:alert(1)>; rel="next"' } })), { ok: false });
});

t.test('GitLab: x-next-page first, empty on the last page, Link when absent, totals never read', async (t) => {
  t.same(resolvePage('gitlab', page({ body: [1, 2], headers: { 'x-next-page': '2', 'x-total-pages': '1' } })), {
    ok: true,
    items: [1, 2],
    next: `${ORIGIN}/api/v4/x?per_page=2&page=2`,
  });
  // x-total says 2 rows in all, but GitLab drops and misreports totals: the header decides.
  t.same(resolvePage('gitlab', page({ body: [1, 2], headers: { 'x-next-page': '', 'x-total': '99999' } })), { ok: true, items: [1, 2], next: null });
  // Above 10 000 rows (and keyset pagination) only Link is sent.
  t.same(resolvePage('gitlab', page({ body: [1], headers: { link: `<${ORIGIN}/api/v4/x?id_after=5>; rel="next"` } })), { ok: true, items: [1], next: `${ORIGIN}/api/v4/x?id_after=5` });
  t.match(resolvePage('gitlab', page({ body: [1], headers: { link: '<https://other.example/api/v4/x?page=2>; rel="next"' } })), { ok: false, reason: /another origin/ });
  t.match(resolvePage('gitlab', page({ body: [1], headers: { 'x-next-page': 'abc' } })), { ok: false, reason: /page number/ });
  t.match(resolvePage('gitlab', page({ body: {} })), { ok: false });
});

t.test('Bitbucket Data Center: isLastPage / nextPageStart in the body', async (t) => {
  const url = `${ORIGIN}/rest/api/1.0/projects?limit=2`;
  t.same(resolvePage('bitbucket-dc', page({ url, body: { values: [1, 2], isLastPage: false, nextPageStart: 2, size: 2 } })), {
    ok: true,
    items: [1, 2],
    next: `${ORIGIN}/rest/api/1.0/projects?limit=2&start=2`,
  });
  t.same(resolvePage('bitbucket-dc', page({ url, body: { values: [3], isLastPage: true } })), { ok: true, items: [3], next: null });
  t.match(resolvePage('bitbucket-dc', page({ url, body: { values: [1], isLastPage: false } })), { ok: false, reason: /nextPageStart/ });
  t.match(resolvePage('bitbucket-dc', page({ url, body: { values: [1] } })), { ok: false, reason: /isLastPage/ });
  t.match(resolvePage('bitbucket-dc', page({ url: `${url}&start=4`, body: { values: [1], isLastPage: false, nextPageStart: 4 } })), { ok: false, reason: /does not move/ });
  t.match(resolvePage('bitbucket-dc', page({ url, body: [1] })), { ok: false, reason: /values/ });
  t.equal(pageSizeParam('bitbucket-dc'), 'limit');
});

t.test('Bitbucket Cloud: values / next in the body', async (t) => {
  t.same(resolvePage('bitbucket-cloud', page({ body: { values: [1], next: `${ORIGIN}/2.0/x?page=2` } })), { ok: true, items: [1], next: `${ORIGIN}/2.0/x?page=2` });
  t.same(resolvePage('bitbucket-cloud', page({ body: { values: [1] } })), { ok: true, items: [1], next: null });
  t.match(resolvePage('bitbucket-cloud', page({ body: { values: [1], next: 'https://elsewhere.example/2.0/x' } })), { ok: false, reason: /another origin/ });
  t.match(resolvePage('bitbucket-cloud', page({ body: { values: [1], next: 7 } })), { ok: false });
  t.equal(pageSizeParam('bitbucket-cloud'), 'pagelen');
});

t.test('rate-limit headers: Retry-After (seconds, date), RateLimit-* and X-RateLimit-* (epoch seconds)', async (t) => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  t.equal(rateLimitWaitMs({ status: 429, headers: { 'retry-after': '7' } }, now), 7000);
  t.equal(rateLimitWaitMs({ status: 429, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' } }, now), 30_000);
  t.equal(rateLimitWaitMs({ status: 403, headers: { 'ratelimit-remaining': '0', 'ratelimit-reset': String(now / 1000 + 20) } }, now), 21_000);
  t.equal(rateLimitWaitMs({ status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 5) } }, now), 6000);
  t.equal(rateLimitWaitMs({ status: 403, headers: { 'ratelimit-remaining': '12', 'ratelimit-reset': '1' } }, now), undefined);
  t.equal(rateLimitWaitMs({ status: 500, headers: { 'retry-after': '3' } }, now), undefined);
});

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, base: string) => void;

async function serve(t: Test, handler: Handler): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  let base = '';
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res, base);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, hits };
}

function client(t: Test, url: string, extra: Partial<ForgeHttpOptions> = {}): { c: ForgeHttpClient; waits: number[] } {
  const waits: number[] = [];
  const c = new ForgeHttpClient({ integration: 'gl', baseUrl: `${url}/gitlab/api/v4`, token: () => 'tok', retries: 2, backoffBaseMs: 1, backoffMaxMs: 2, sleep: async (ms) => void waits.push(ms), ...extra });
  t.teardown(() => c.close());
  return { c, waits };
}

async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return e instanceof ForgeError ? e.kind : `other: ${String(e)}`;
  }
}

t.test('paginate in GitLab style follows x-next-page under the relative root, without totals', async (t) => {
  const { url, hits } = await serve(t, (req, res) => {
    const u = new URL(req.url ?? '', 'http://x');
    const n = Number(u.searchParams.get('page') ?? '1');
    res.writeHead(200, { 'content-type': 'application/json', 'x-next-page': n < 3 ? String(n + 1) : '' });
    res.end(JSON.stringify([n]));
  });
  const { c } = client(t, url, { paging: 'gitlab' });
  t.same(await c.paginate('/groups/7/projects', { query: { order_by: 'id' } }), [1, 2, 3]);
  t.equal(hits.length, 3);
  for (const h of hits) t.match(h, /^\/gitlab\/api\/v4\/groups\/7\/projects\?/);
  t.match(hits[0], /per_page=100/);
  t.match(hits[2], /page=3/);
});

t.test('paginate: page cap, cross-origin next, Bitbucket bodies through the client', async (t) => {
  const { url } = await serve(t, (req, res, base) => {
    const u = new URL(req.url ?? '', 'http://x');
    res.writeHead(200, { 'content-type': 'application/json', ...(u.pathname.endsWith('/cross') ? { link: '<http://localhost:1/next>; rel="next"' } : {}) });
    if (u.pathname.endsWith('/endless')) return res.end(JSON.stringify({ values: [1], next: `${base}/gitlab/api/v4/endless?page=${Number(u.searchParams.get('page') ?? 1) + 1}` }));
    if (u.pathname.endsWith('/dc')) {
      const start = Number(u.searchParams.get('start') ?? '0');
      return res.end(JSON.stringify({ values: [start], isLastPage: start >= 2, nextPageStart: start + 1, start, limit: Number(u.searchParams.get('limit')) }));
    }
    res.end(JSON.stringify([1]));
  });
  const { c } = client(t, url, { maxPages: 5 });
  t.equal(await kindOf(c.paginate('/endless', { paging: 'bitbucket-cloud' })), 'incomplete', 'more pages than the cap');
  t.equal(await kindOf(c.paginate('/cross')), 'incomplete', 'a next link on another origin');
  t.same(await c.paginate('/dc', { paging: 'bitbucket-dc' }), [0, 1, 2]);
});

t.test('RateLimit-Reset waits then succeeds; a wait beyond the cap is rate-limited', async (t) => {
  const now = 1_800_000_000_000;
  let resetIn = 2;
  let limited = true;
  const { url } = await serve(t, (_req, res) => {
    if (limited) {
      limited = false;
      res.writeHead(429, { 'ratelimit-remaining': '0', 'ratelimit-reset': String(now / 1000 + resetIn) });
      return res.end('{}');
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('[]');
  });
  const { c, waits } = client(t, url, { now: () => now, maxRateLimitWaitMs: 10_000 });
  t.same(await c.json('/a'), []);
  t.same(waits, [3000], 'waited until the reset (plus a second for skew)');
  resetIn = 3600;
  limited = true;
  t.equal(await kindOf(c.json('/b')), 'rate-limited');
  t.same(waits, [3000], 'no wait beyond maxRateLimitWaitMs');
});
