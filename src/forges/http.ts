// The one HTTP client for forge APIs: auth, custom CA, timeouts, bounded concurrency, retries
// with backoff that honour rate limits, conditional requests (ETags) and fail-closed pagination.
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import type { Logger } from '../log.js';
import { ForgeError, type ForgeErrorKind } from './types.js';
import { Semaphore, createMemoryEtagStore, lower, messageOf, safeUrl, type EtagStore, type ForgeMetricsHook } from './http-support.js';

import { sendOnce, rateLimitWaitMs, type Attempt, type ForgeResponse } from './http-send.js';
import { pageSizeParam, resolvePage, type PagingStyle } from './paging.js';

export type { ForgeResponse } from './http-send.js';
export type { PagingStyle } from './paging.js';
export { createMemoryEtagStore, forgeMetricsHook, parseLink, safeUrl, type EtagEntry, type EtagStore, type ForgeMetricsHook } from './http-support.js';

export interface ForgeHttpOptions {
  /** The integration id: named in every error and metric. */
  integration: string;
  /** API base URL, e.g. https://ghe.example/api/v3 (no trailing slash needed). */
  baseUrl: string;
  /** Returns the current token (called per request, so App tokens can refresh); none: anonymous. */
  token?: () => string | Promise<string>;
  /** Authorization scheme before the token (default Bearer). */
  authScheme?: string;
  /** Headers sent with every request (the forge sets Accept and the like). */
  headers?: Record<string, string>;
  /** PEM of extra CAs trusted besides the public ones (integrations[].ca_file). */
  ca?: string | Buffer;
  connectTimeoutMs?: number; // default 10 000
  requestTimeoutMs?: number; // default 30 000
  /** Retries after the first attempt for network errors, 5xx, 429 and secondary rate limits (default 4). */
  retries?: number;
  backoffBaseMs?: number; // default 500; doubled per attempt, with full jitter
  backoffMaxMs?: number; // default 15 000
  /** Longest wait for a rate limit (Retry-After / X-RateLimit-Reset); beyond: rate-limited (default 60 000). */
  maxRateLimitWaitMs?: number;
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** Pagination cap (default 1 000 pages). */
  maxPages?: number;
  perPage?: number; // default 100
  /** How listings find their next page (default Link rel="next"); paginate() may override it. */
  paging?: PagingStyle;
  /** Largest body accepted (default 64 MiB). */
  maxBodyBytes?: number;
  /** ETag cache; null disables conditional requests (default: in-memory LRU of 2 000 entries). */
  etagStore?: EtagStore | null;
  metrics?: ForgeMetricsHook;
  log?: Logger;
  /** Injectable clock and sleep (tests). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface RequestOptions {
  method?: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON request body. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Overrides the client's token for this request (a value or a function asked per attempt), or sends none (null). */
  token?: string | null | (() => string | Promise<string>);
  /** Resolve a 404 as `null` instead of throwing not-found. */
  nullOn404?: boolean;
  /** Stops the request (before each attempt and while waiting) with the signal's reason. */
  signal?: AbortSignal;
  /** POST is retried on 5xx and network errors only when the call is idempotent in effect. */
  retryUnsafe?: boolean;
}

const DEFAULTS = {
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  retries: 4,
  backoffBaseMs: 500,
  backoffMaxMs: 15_000,
  maxRateLimitWaitMs: 60_000,
  concurrency: 8,
  maxPages: 1000,
  perPage: 100,
  maxBodyBytes: 64 * 1024 * 1024,
};

const STATUS_TEXT: Record<ForgeErrorKind, string> = {
  unavailable: 'forge unavailable',
  unauthorized: 'unauthorized (bad or expired token)',
  forbidden: 'forbidden (missing scope or permission)',
  'not-found': 'not found',
  'rate-limited': 'rate limited',
  incomplete: 'incomplete listing',
  invalid: 'invalid response',
};

function header(h: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export class ForgeHttpClient {
  readonly integration: string;
  readonly baseUrl: URL;
  private readonly o: Required<Omit<ForgeHttpOptions, 'token' | 'ca' | 'metrics' | 'log' | 'etagStore' | 'headers' | 'authScheme' | 'paging'>>;
  private readonly token: (() => string | Promise<string>) | undefined;
  private readonly authScheme: string;
  private readonly paging: PagingStyle;
  private readonly headers: Record<string, string>;
  private readonly etags: EtagStore | null;
  private readonly metrics: ForgeMetricsHook | undefined;
  private readonly log: Logger | undefined;
  private readonly agent: http.Agent;
  private readonly sem: Semaphore;

  constructor(opts: ForgeHttpOptions) {
    this.integration = opts.integration;
    this.baseUrl = new URL(opts.baseUrl.replace(/\/+$/, '') + '/');
    this.o = {
      integration: opts.integration,
      baseUrl: opts.baseUrl,
      connectTimeoutMs: opts.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      requestTimeoutMs: opts.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
      retries: opts.retries ?? DEFAULTS.retries,
      backoffBaseMs: opts.backoffBaseMs ?? DEFAULTS.backoffBaseMs,
      backoffMaxMs: opts.backoffMaxMs ?? DEFAULTS.backoffMaxMs,
      maxRateLimitWaitMs: opts.maxRateLimitWaitMs ?? DEFAULTS.maxRateLimitWaitMs,
      concurrency: opts.concurrency ?? DEFAULTS.concurrency,
      maxPages: opts.maxPages ?? DEFAULTS.maxPages,
      perPage: opts.perPage ?? DEFAULTS.perPage,
      maxBodyBytes: opts.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
      now: opts.now ?? Date.now,
      sleep: opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    };
    this.token = opts.token;
    this.authScheme = opts.authScheme ?? 'Bearer';
    this.paging = opts.paging ?? 'link';
    this.headers = { ...(opts.headers ?? {}) };
    this.etags = opts.etagStore === undefined ? createMemoryEtagStore() : opts.etagStore;
    this.metrics = opts.metrics;
    this.log = opts.log;
    const agentOpts = { keepAlive: true, maxSockets: this.o.concurrency };
    this.agent =
      this.baseUrl.protocol === 'https:'
        ? new https.Agent({ ...agentOpts, ...(opts.ca ? { ca: [...rootCertificates, String(opts.ca)] } : {}) })
        : new http.Agent(agentOpts);
    this.sem = new Semaphore(Math.max(1, this.o.concurrency));
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  /** Resolves a path against the base URL (or accepts an absolute URL on the same origin). */
  url(pathOrUrl: string, query?: RequestOptions['query']): URL {
    let url: URL;
    if (/^https?:\/\//i.test(pathOrUrl)) {
      url = new URL(pathOrUrl);
      if (url.origin !== this.baseUrl.origin) {
        throw this.error('invalid', `refusing a request to another origin than the API's`, url);
      }
    } else {
      url = new URL(pathOrUrl.replace(/^\/+/, ''), this.baseUrl);
    }
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  error(kind: ForgeErrorKind, detail: string, url: string | URL, status?: number): ForgeError {
    const where = safeUrl(url);
    return new ForgeError(kind, `forge ${this.integration}: ${STATUS_TEXT[kind]}: ${detail} (${where})`, {
      url: where,
      integration: this.integration,
      ...(status !== undefined ? { status } : {}),
    });
  }

  /** GET (or another method) parsed as JSON; null only with nullOn404. */
  async json<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request(path, opts);
    if (res === null) return null as T;
    return this.parse<T>(res);
  }

  /** The raw body (e.g. a file through a raw media type); null only with nullOn404. */
  async raw(path: string, opts: RequestOptions = {}): Promise<Buffer | null> {
    const res = await this.request(path, opts);
    return res === null ? null : res.body;
  }

  parse<T>(res: ForgeResponse): T {
    if (res.status === 204 || res.body.length === 0) return null as T;
    try {
      return JSON.parse(res.body.toString('utf8')) as T;
    } catch {
      throw this.error('invalid', `the body is not JSON (HTTP ${res.status})`, res.url, res.status);
    }
  }

  /**
   * Every page of a listing, complete or a thrown ForgeError: never a partial list. `paging`
   * (default: the client's, else Link rel="next") says how the next page is found (paging.ts).
   */
  async paginate<T = unknown>(path: string, opts: Omit<RequestOptions, 'method' | 'body' | 'nullOn404'> & { paging?: PagingStyle } = {}): Promise<T[]> {
    const style = opts.paging ?? this.paging;
    const first = this.url(path, opts.query);
    const sizeParam = pageSizeParam(style);
    if (!first.searchParams.has(sizeParam)) first.searchParams.set(sizeParam, String(this.o.perPage));
    const out: T[] = [];
    const seen = new Set<string>();
    let next: string | null = first.toString();
    let pages = 0;
    while (next !== null) {
      if (pages >= this.o.maxPages) throw this.error('incomplete', `more than ${this.o.maxPages} pages`, first);
      if (seen.has(next)) throw this.error('incomplete', 'the next link repeats a page already read', next);
      seen.add(next);
      const res = (await this.request(next, { ...opts, query: undefined })) as ForgeResponse;
      pages++;
      const page = resolvePage(style, { url: res.url, headers: res.headers, body: this.parse<unknown>(res), origin: this.baseUrl.origin });
      if (!page.ok) throw this.error('incomplete', `page ${pages}: ${page.reason}`, res.url, res.status);
      out.push(...(page.items as T[]));
      next = page.next;
    }
    return out;
  }

  /**
   * One request with retries. Throws ForgeError for every failure; returns null for a 404 when
   * nullOn404 is set. Conditional GETs answer a 304 from the ETag cache.
   */
  async request(path: string, opts: RequestOptions = {}): Promise<ForgeResponse | null> {
    const method = (opts.method ?? 'GET').toUpperCase();
    const url = this.url(path, opts.query);
    const safeMethod = method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE' || method === 'PATCH';
    const retryable = safeMethod || opts.retryUnsafe === true;
    const headers: Record<string, string> = { 'user-agent': 'Packyard', ...lower(this.headers), ...lower(opts.headers ?? {}) };
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      payload = Buffer.from(JSON.stringify(opts.body));
      headers['content-type'] = 'application/json';
    }
    const keyOf = () => (method === 'GET' ? `${headers['accept'] ?? ''} ${url.toString()}` : undefined);

    let redirects = 0;
    for (let attempt = 0; ; attempt++) {
      const source = opts.token === undefined ? this.token : opts.token;
      const token = typeof source === 'function' ? await source() : (source ?? undefined);
      const h = { ...headers };
      if (token) h['authorization'] = `${this.authScheme} ${token}`;
      const cacheKey = keyOf();
      const cached = cacheKey && this.etags ? this.etags.get(cacheKey) : undefined;
      if (cached) h['if-none-match'] = cached.etag;

      await this.sem.acquire();
      if (opts.signal?.aborted) {
        this.sem.release();
        throw opts.signal.reason;
      }
      let result: Attempt;
      try {
        result = await sendOnce({ method, url, headers: h, payload }, { agent: this.agent, connectTimeoutMs: this.o.connectTimeoutMs, requestTimeoutMs: this.o.requestTimeoutMs, maxBodyBytes: this.o.maxBodyBytes });
      } finally {
        this.sem.release();
      }

      const last = attempt >= this.o.retries;
      if (result.kind === 'too-large') throw this.error('invalid', result.error?.message ?? 'too large', url);
      if (result.kind === 'network') {
        this.metrics?.request(this.integration, 'error');
        const msg = result.error?.message ?? 'network error';
        if (!retryable || last) throw this.error('unavailable', `${method} failed after ${attempt + 1} attempt(s): ${msg}`, url);
        await this.backoff(attempt, url, msg);
        continue;
      }
      const res = result.res as ForgeResponse;
      this.metrics?.request(this.integration, String(res.status));
      const remaining = header(res.headers, 'x-ratelimit-remaining') ?? header(res.headers, 'ratelimit-remaining');
      if (remaining !== undefined && /^\d+$/.test(remaining)) this.metrics?.rateLimitRemaining(this.integration, Number(remaining));
      this.log?.debug({ integration: this.integration, method, url: safeUrl(url), status: res.status, attempt }, 'forge request');

      if (res.status === 304 && cached) {
        return { ...res, status: 200, body: cached.body, headers: { ...res.headers, link: cached.link ?? undefined }, cached: true };
      }
      if (res.status >= 200 && res.status < 300) {
        const etag = header(res.headers, 'etag');
        if (cacheKey && this.etags && etag) this.etags.set(cacheKey, etag, res.body, header(res.headers, 'link') ?? null);
        return res;
      }
      const location = header(res.headers, 'location');
      if ([301, 302, 307, 308].includes(res.status) && method === 'GET' && location && redirects < 3) {
        // Renamed repositories answer 301 to their new URL; follow on the same origin only (with credentials).
        const to = new URL(location, url);
        if (to.origin === this.baseUrl.origin) {
          redirects++;
          attempt--;
          url.href = to.href;
          continue;
        }
      }
      if (res.status >= 300 && res.status < 400) {
        throw this.error('invalid', `unexpected redirect (HTTP ${res.status}) to ${safeUrl(header(res.headers, 'location') ?? '')}`, url, res.status);
      }

      const rate = this.rateLimitWait(res);
      if (rate !== null) {
        if (rate > this.o.maxRateLimitWaitMs) {
          throw this.error('rate-limited', `the forge asks to wait ${Math.ceil(rate / 1000)} s, more than the ${Math.ceil(this.o.maxRateLimitWaitMs / 1000)} s allowed`, url, res.status);
        }
        if (last) throw this.error('rate-limited', `still limited after ${attempt + 1} attempt(s)`, url, res.status);
        this.log?.warn({ integration: this.integration, url: safeUrl(url), status: res.status, waitMs: rate }, 'forge rate limit: waiting');
        await this.o.sleep(rate);
        continue;
      }
      if (res.status >= 500) {
        if (!retryable || last) throw this.error('unavailable', `HTTP ${res.status} after ${attempt + 1} attempt(s)`, url, res.status);
        await this.backoff(attempt, url, `HTTP ${res.status}`);
        continue;
      }
      if (res.status === 404 && opts.nullOn404) return null;
      const kind: ForgeErrorKind =
        res.status === 401 ? 'unauthorized' : res.status === 403 ? 'forbidden' : res.status === 404 ? 'not-found' : 'invalid';
      throw this.error(kind, `${method} answered HTTP ${res.status}${messageOf(res.body)}`, url, res.status);
    }
  }

  /**
   * How long a rate-limited answer asks us to wait (ms), or null when the answer is not a rate
   * limit: 429 and 403 with Retry-After, an exhausted X-RateLimit-* or RateLimit-* budget, or
   * GitHub's secondary-limit message (http-send.ts reads the headers).
   */
  private rateLimitWait(res: ForgeResponse): number | null {
    const fromHeaders = rateLimitWaitMs(res, this.o.now());
    if (fromHeaders !== undefined) return fromHeaders;
    if (res.status === 429 || (res.status === 403 && /secondary rate limit|abuse detection/i.test(res.body.toString('utf8', 0, 2000)))) {
      return this.backoffDelay(0);
    }
    return null;
  }

  private backoffDelay(attempt: number): number {
    const cap = Math.min(this.o.backoffMaxMs, this.o.backoffBaseMs * 2 ** attempt);
    return Math.round(cap / 2 + (Math.random() * cap) / 2);
  }

  private async backoff(attempt: number, url: URL, reason: string): Promise<void> {
    const ms = this.backoffDelay(attempt);
    this.log?.warn({ integration: this.integration, url: safeUrl(url), reason, waitMs: ms, attempt }, 'forge request failed: retrying');
    await this.o.sleep(ms);
  }
}
