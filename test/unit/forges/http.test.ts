// The forge HTTP client against tiny local servers: retries, rate limits, error kinds,
// fail-closed pagination, conditional requests, concurrency, and no token in errors or logs.
import t, { type Test } from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import https from 'node:https';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ForgeHttpClient, createMemoryEtagStore, forgeMetricsHook, parseLink, type ForgeHttpOptions } from '../../../src/forges/http.js';
import { createMetrics } from '../../../src/metrics.js';
import { ForgeError } from '../../../src/forges/types.js';
import { createLogger } from '../../../src/log.js';

const TOKEN = 'ghp_SUPERSECRETTOKEN123';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

async function serve(t: Test, handler: Handler): Promise<{ url: string; hits: http.IncomingMessage[] }> {
  const hits: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req);
    handler(req, res, hits.length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function client(t: Test, url: string, extra: Partial<ForgeHttpOptions> = {}): { c: ForgeHttpClient; waits: number[] } {
  const waits: number[] = [];
  const c = new ForgeHttpClient({
    integration: 'ghe',
    baseUrl: `${url}/api/v3`,
    token: () => TOKEN,
    backoffBaseMs: 1,
    backoffMaxMs: 4,
    retries: 3,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...extra,
  });
  t.teardown(() => c.close());
  return { c, waits };
}

async function rejects(t: Test, p: Promise<unknown>, kind: string): Promise<ForgeError> {
  try {
    await p;
  } catch (e) {
    t.type(e, ForgeError);
    t.equal((e as ForgeError).kind, kind, `kind ${kind}`);
    return e as ForgeError;
  }
  t.fail(`expected ForgeError ${kind}`);
  throw new Error('unreachable');
}

t.test('sends auth, user agent and default headers; parses JSON', async (t) => {
  const { url, hits } = await serve(t, (_req, res) => json(res, 200, { ok: true }));
  const { c } = client(t, url, { headers: { Accept: 'application/vnd.github+json' } });
  t.same(await c.json('/orgs/acme'), { ok: true });
  t.equal(hits[0]?.url, '/api/v3/orgs/acme');
  t.equal(hits[0]?.headers.authorization, `Bearer ${TOKEN}`);
  t.equal(hits[0]?.headers['user-agent'], 'Packyard');
  t.equal(hits[0]?.headers.accept, 'application/vnd.github+json');
});

t.test('5xx is retried with backoff, then succeeds', async (t) => {
  const { url, hits } = await serve(t, (_req, res, n) => (n < 3 ? json(res, 502, { message: 'bad gateway' }) : json(res, 200, [1])));
  const { c, waits } = client(t, url);
  t.same(await c.json('/x'), [1]);
  t.equal(hits.length, 3);
  t.equal(waits.length, 2);
  t.ok(waits.every((w) => w >= 0 && w <= 4), 'backoff stays within the configured bounds');
});

t.test('5xx after every retry is "forge unavailable", naming integration and URL, not the token', async (t) => {
  const { url, hits } = await serve(t, (_req, res) => json(res, 503, { message: 'down' }));
  const { c } = client(t, url);
  const e = await rejects(t, c.json('/orgs/acme/members'), 'unavailable');
  t.equal(hits.length, 4, 'first attempt + 3 retries');
  t.match(e.message, /forge ghe/);
  t.match(e.message, /forge unavailable/);
  t.match(e.message, `${url}/api/v3/orgs/acme/members`);
  t.notMatch(e.message, TOKEN);
  t.equal(e.details.integration, 'ghe');
  t.equal(e.details.status, 503);
});

t.test('network errors and timeouts are retried, then unavailable', async (t) => {
  const { url: deadUrl } = await serve(t, (req) => req.socket.destroy());
  const { c } = client(t, deadUrl);
  await rejects(t, c.json('/x'), 'unavailable');
  const { url: slowUrl, hits } = await serve(t, () => {
    /* never answers */
  });
  const { c: c2 } = client(t, slowUrl, { requestTimeoutMs: 50, retries: 1 });
  const e = await rejects(t, c2.json('/slow'), 'unavailable');
  t.match(e.message, /timeout/);
  t.equal(hits.length, 2);
});

t.test('POST is not retried on 5xx unless marked safe', async (t) => {
  const { url, hits } = await serve(t, (_req, res) => json(res, 500, {}));
  const { c } = client(t, url);
  await rejects(t, c.json('/orgs/acme/hooks', { method: 'POST', body: { a: 1 } }), 'unavailable');
  t.equal(hits.length, 1);
  await rejects(t, c.json('/app/installations/1/access_tokens', { method: 'POST', retryUnsafe: true }), 'unavailable');
  t.equal(hits.length, 5);
});

t.test('Retry-After (seconds and HTTP date) is honoured on 429 and 403', async (t) => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const { url } = await serve(t, (req, res, n) => {
    if (n === 1) return json(res, 429, { message: 'slow down' }, { 'retry-after': '2' });
    if (n === 2) return json(res, 403, { message: 'You have exceeded a secondary rate limit' }, { 'retry-after': new Date(now + 5000).toUTCString() });
    json(res, 200, { n, path: req.url });
  });
  const { c, waits } = client(t, url, { now: () => now, maxRateLimitWaitMs: 10_000 });
  t.match(await c.json('/x'), { n: 3 });
  t.same(waits, [2000, 5000]);
});

t.test('secondary rate limit without headers backs off; a plain 403 is forbidden', async (t) => {
  const { url } = await serve(t, (req, res, n) => {
    if (req.url?.includes('plain')) return json(res, 403, { message: 'Resource not accessible by integration' });
    if (n === 1) return json(res, 403, { message: 'You have exceeded a secondary rate limit. Please wait' });
    json(res, 200, {});
  });
  const { c, waits } = client(t, url);
  t.same(await c.json('/x'), {});
  t.equal(waits.length, 1);
  const e = await rejects(t, c.json('/plain'), 'forbidden');
  t.match(e.message, /Resource not accessible/);
});

t.test('X-RateLimit-Remaining 0 waits until X-RateLimit-Reset, but never beyond the cap', async (t) => {
  const now = 1_800_000_000_000;
  const { url, hits } = await serve(t, (req, res, n) => {
    const reset = String(Math.floor(now / 1000) + (req.url?.includes('far') ? 3600 : 3));
    if (n === 1 || req.url?.includes('far')) return json(res, 403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset });
    json(res, 200, {}, { 'x-ratelimit-remaining': '4999' });
  });
  const recorded: [string, string | number][] = [];
  const { c, waits } = client(t, url, {
    now: () => now,
    maxRateLimitWaitMs: 10_000,
    metrics: {
      request: (i, s) => recorded.push([i, s]),
      rateLimitRemaining: (i, r) => recorded.push([`${i}:remaining`, r]),
    },
  });
  t.same(await c.json('/x'), {});
  t.same(waits, [4000], 'waited until reset (+1 s for skew)');
  t.same(recorded, [['ghe', '403'], ['ghe:remaining', 0], ['ghe', '200'], ['ghe:remaining', 4999]], 'metrics fed per request');
  const before = hits.length;
  const e = await rejects(t, c.json('/far'), 'rate-limited');
  t.equal(hits.length, before + 1, 'no waiting beyond the cap');
  t.match(e.message, /rate limited/);
});

t.test('a rate limit that persists through every retry is rate-limited', async (t) => {
  const { url } = await serve(t, (_req, res) => json(res, 429, {}, { 'retry-after': '0' }));
  const { c } = client(t, url, { retries: 2 });
  await rejects(t, c.json('/x'), 'rate-limited');
});

t.test('401, 403, 404 map to unauthorized, forbidden, not-found; nullOn404 gives null', async (t) => {
  const { url } = await serve(t, (req, res) => json(res, Number(req.url?.split('/').pop()), { message: 'm' }));
  const { c } = client(t, url);
  await rejects(t, c.json('/s/401'), 'unauthorized');
  await rejects(t, c.json('/s/403'), 'forbidden');
  await rejects(t, c.json('/s/404'), 'not-found');
  await rejects(t, c.json('/s/422'), 'invalid');
  t.equal(await c.json('/s/404', { nullOn404: true }), null);
  t.equal(await c.raw('/s/404', { nullOn404: true }), null);
});

t.test('a body that is not JSON is invalid', async (t) => {
  const { url } = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('<html>proxy error</html>');
  });
  const { c } = client(t, url);
  const e = await rejects(t, c.json('/x'), 'invalid');
  t.match(e.message, /not JSON/);
});

t.test('a body over the size limit is invalid, not retried', async (t) => {
  const { url, hits } = await serve(t, (_req, res) => json(res, 200, { blob: 'x'.repeat(5000) }));
  const { c } = client(t, url, { maxBodyBytes: 1000 });
  const e = await rejects(t, c.json('/big'), 'invalid');
  t.match(e.message, /larger than 1000 bytes/);
  t.equal(hits.length, 1);
});

t.test('pagination', async (t) => {
  t.test('follows rel="next" until absent with per_page=100', async (t) => {
    const { url, hits } = await serve(t, (req, res) => {
      const u = new URL(req.url ?? '', 'http://x');
      const page = Number(u.searchParams.get('page') ?? '1');
      const base = `http://${req.headers.host}/api/v3/orgs/acme/members?per_page=100&role=all`;
      const link = page < 3 ? `<${base}&page=${page + 1}>; rel="next", <${base}&page=3>; rel="last"` : `<${base}&page=1>; rel="first"`;
      json(res, 200, [page * 10, page * 10 + 1], { link });
    });
    const { c } = client(t, url);
    t.same(await c.paginate('/orgs/acme/members', { query: { role: 'all' } }), [10, 11, 20, 21, 30, 31]);
    t.equal(hits.length, 3);
    t.match(hits[0]?.url, /per_page=100/);
    t.match(hits[0]?.url, /role=all/);
  });

  t.test('refuses a next link to another origin', async (t) => {
    const { url } = await serve(t, (_req, res) => json(res, 200, [1], { link: '<http://evil.example/api/v3/x?page=2>; rel="next"' }));
    const { c } = client(t, url);
    const e = await rejects(t, c.paginate('/x'), 'incomplete');
    t.match(e.message, /another origin/);
  });

  t.test('caps the number of pages', async (t) => {
    const { url, hits } = await serve(t, (req, res) => {
      const n = Number(new URL(req.url ?? '', 'http://x').searchParams.get('page') ?? '1');
      json(res, 200, [n], { link: `<http://${req.headers.host}/api/v3/x?page=${n + 1}>; rel="next"` });
    });
    const { c } = client(t, url, { maxPages: 5 });
    const e = await rejects(t, c.paginate('/x'), 'incomplete');
    t.match(e.message, /more than 5 pages/);
    t.equal(hits.length, 5);
  });

  t.test('a page that is not a list fails the listing', async (t) => {
    const { url } = await serve(t, (req, res, n) =>
      n === 1 ? json(res, 200, [1], { link: `<http://${req.headers.host}/api/v3/x?page=2>; rel="next"` }) : json(res, 200, { message: 'oops' }),
    );
    const { c } = client(t, url);
    await rejects(t, c.paginate('/x'), 'incomplete');
  });

  t.test('a 500 on page 2 fails the whole listing', async (t) => {
    const { url } = await serve(t, (req, res, n) =>
      n === 1 ? json(res, 200, [1], { link: `<http://${req.headers.host}/api/v3/x?page=2>; rel="next"` }) : json(res, 500, {}),
    );
    const { c } = client(t, url, { retries: 1 });
    await rejects(t, c.paginate('/x'), 'unavailable');
  });

  t.test('parseLink reads several relations', async (t) => {
    t.same(parseLink('<https://a/x?page=2>; rel="next", <https://a/x?page=9>; rel="last"'), { next: 'https://a/x?page=2', last: 'https://a/x?page=9' });
    t.same(parseLink(undefined), {});
  });
});

t.test('conditional requests: a 304 is answered from the ETag cache, with its Link header', async (t) => {
  const { url, hits } = await serve(t, (req, res) => {
    if (req.url?.includes('page=2')) {
      if (req.headers['if-none-match'] === '"p2"') return void res.writeHead(304).end();
      return json(res, 200, ['b'], { etag: '"p2"' });
    }
    if (req.headers['if-none-match'] === '"p1"') return void res.writeHead(304, { etag: '"p1"' }).end();
    json(res, 200, ['a'], { etag: '"p1"', link: `<http://${req.headers.host}/api/v3/list?per_page=100&page=2>; rel="next"` });
  });
  const { c } = client(t, url);
  t.same(await c.paginate('/list'), ['a', 'b']);
  t.same(await c.paginate('/list'), ['a', 'b'], 'the same list from 304s');
  t.equal(hits.length, 4);
  t.equal(hits[2]?.headers['if-none-match'], '"p1"');
  t.equal(hits[3]?.headers['if-none-match'], '"p2"');
});

t.test('the token is never in errors or logs', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _e, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = createLogger('trace', sink);
  const { url } = await serve(t, (req, res) => {
    if (req.url?.includes('fail')) return json(res, 500, { message: `echo ${req.headers.authorization}` });
    json(res, 401, { message: 'Bad credentials' });
  });
  const { c } = client(t, url, { log, retries: 1 });
  const e1 = await rejects(t, c.json('/a'), 'unauthorized');
  const e2 = await rejects(t, c.json('/fail?access_token=' + TOKEN), 'unavailable');
  for (const text of [e1.message, e2.message, JSON.stringify(e1.details), JSON.stringify(e2.details), e2.stack ?? '', lines.join('')]) {
    t.notMatch(text, TOKEN);
  }
  t.ok(lines.length > 0, 'the client did log');
});

t.test('at most `concurrency` requests are in flight', async (t) => {
  // The server holds answers until three requests wait (or the last ones arrived): a fourth
  // request in flight would show as max > 3.
  let inFlight = 0;
  let max = 0;
  let received = 0;
  const pending: http.ServerResponse[] = [];
  const { url } = await serve(t, (_req, res) => {
    inFlight++;
    received++;
    max = Math.max(max, inFlight);
    pending.push(res);
    if (pending.length >= 3 || received === 20) {
      for (const r of pending.splice(0)) {
        inFlight--;
        json(r, 200, {});
      }
    }
  });
  const { c } = client(t, url, { concurrency: 3 });
  await Promise.all(Array.from({ length: 20 }, (_, i) => c.json(`/r/${i}`)));
  t.equal(max, 3);
});

t.test('an aborted signal stops the requests still queued', async (t) => {
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  const { url, hits } = await serve(t, (_req, res, n) => {
    if (n === 1) void held.then(() => json(res, 500, {}));
    else json(res, 200, {});
  });
  const { c } = client(t, url, { concurrency: 1, retries: 0 });
  const stop = new AbortController();
  const first = c.json('/first', { signal: stop.signal }).catch((e: unknown) => {
    stop.abort(e);
    throw e;
  });
  const queued = Array.from({ length: 5 }, (_, i) => c.json(`/queued/${i}`, { signal: stop.signal }));
  release();
  await rejects(t, first, 'unavailable');
  const results = await Promise.allSettled(queued);
  // The request that takes the freed slot may start before the failure reaches the abort.
  const stopped = results.filter((r) => r.status === 'rejected' && (r.reason as ForgeError).kind === 'unavailable').length;
  t.ok(stopped >= 4, `the queued ones end with the first error (${stopped} of 5)`);
  t.ok(hits.length <= 2, `at most one more reached the forge (${hits.length})`);
});

t.test('requests to another origin than the API are refused', async (t) => {
  const { url } = await serve(t, (_req, res) => json(res, 200, {}));
  const { c } = client(t, url);
  await rejects(t, c.json('http://elsewhere.example/api/v3/x'), 'invalid');
});

t.test('same-origin redirects (renamed repositories) are followed', async (t) => {
  const { url } = await serve(t, (req, res) => {
    if (req.url === '/api/v3/repos/acme/old') return void res.writeHead(301, { location: `http://${req.headers.host}/api/v3/repositories/7` }).end();
    json(res, 200, { id: 7, auth: req.headers.authorization === `Bearer ${TOKEN}` });
  });
  const { c } = client(t, url);
  t.same(await c.json('/repos/acme/old'), { id: 7, auth: true });
});

t.test('feeds packyard_forge_api_requests_total and packyard_forge_rate_limit_remaining', async (t) => {
  const metrics = createMetrics({ jobsByStatus: () => ({}), packagesByStatus: () => ({}), diskUsage: async () => ({ database: 0, mirrors: 0, dists: 0 }) }, { defaultMetrics: false });
  const { url } = await serve(t, (_req, res, n) => json(res, n === 1 ? 404 : 200, {}, { 'x-ratelimit-remaining': String(100 - n) }));
  const { c } = client(t, url, { metrics: forgeMetricsHook(metrics) });
  await c.json('/a', { nullOn404: true });
  await c.json('/b');
  const text = await metrics.registry.metrics();
  t.match(text, /packyard_forge_api_requests_total\{integration="ghe",status="404"\} 1/);
  t.match(text, /packyard_forge_api_requests_total\{integration="ghe",status="200"\} 1/);
  t.match(text, /packyard_forge_rate_limit_remaining\{integration="ghe"\} 98/);
});

t.test('the ETag LRU is bounded', async (t) => {
  const store = createMemoryEtagStore(2);
  store.set('a', '"1"', Buffer.from('A'));
  store.set('b', '"2"', Buffer.from('B'));
  store.get('a');
  store.set('c', '"3"', Buffer.from('C'));
  t.ok(store.get('a'), 'recently used kept');
  t.equal(store.get('b'), undefined, 'least recently used evicted');
  t.ok(store.get('c'));
});

const execFileP = promisify(execFile);

t.test('a custom CA (ca_file) is trusted; without it the TLS error is "forge unavailable"', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'packyard-forge-ca-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  try {
    await execFileP('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { timeout: 30_000 });
  } catch {
    t.pass('openssl is not available: skipped');
    return;
  }
  const [key, cert] = await Promise.all([readFile(join(dir, 'key.pem')), readFile(join(dir, 'cert.pem'), 'utf8')]);
  const server = https.createServer({ key, cert }, (_req, res) => json(res, 200, { tls: true }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { c } = client(t, url, { ca: cert });
  t.same(await c.json('/x'), { tls: true });
  const { c: plain } = client(t, url, { retries: 0 });
  const e = await rejects(t, plain.json('/x'), 'unavailable');
  t.match(e.message, /self.signed|certificate/i);
});
