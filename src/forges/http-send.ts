// One HTTP attempt of the forge client (http.ts): the request with its connect and whole-request
// timeouts and a cap on the answer's size, and the rate-limit headers of an answer. Retries,
// waiting and caching are the client's.
import http from 'node:http';
import https from 'node:https';

export interface ForgeResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  url: string;
  /** Served from the ETag cache after a 304. */
  cached: boolean;
}

/** What one attempt gave: an answer, a network failure (or timeout), or an answer too large to keep. */
export interface Attempt {
  kind: 'response' | 'network' | 'too-large';
  res?: ForgeResponse;
  error?: Error;
}

export interface SendOptions {
  agent: http.Agent;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxBodyBytes: number;
}

export function sendOnce(r: { method: string; url: URL; headers: Record<string, string>; payload: Buffer | undefined }, o: SendOptions): Promise<Attempt> {
  const { method, url, headers, payload } = r;
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise<Attempt>((resolve) => {
    let settled = false;
    const done = (a: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(requestTimer);
      resolve(a);
    };
    const req = mod.request(url, { method, headers: payload ? { ...headers, 'content-length': String(payload.length) } : headers, agent: o.agent });
    const fail = (error: Error) => {
      req.destroy();
      done({ kind: 'network', error });
    };
    const connectTimer = setTimeout(() => fail(new Error(`connect timeout after ${o.connectTimeoutMs} ms`)), o.connectTimeoutMs);
    const requestTimer = setTimeout(() => fail(new Error(`request timeout after ${o.requestTimeoutMs} ms`)), o.requestTimeoutMs);
    req.on('socket', (socket) => {
      if (!(socket as { connecting?: boolean }).connecting) clearTimeout(connectTimer);
      else socket.once('connect', () => clearTimeout(connectTimer));
    });
    req.on('error', (e) => done({ kind: 'network', error: e }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > o.maxBodyBytes) {
          req.destroy();
          done({ kind: 'too-large', error: new Error(`the response is larger than ${o.maxBodyBytes} bytes`) });
          return;
        }
        chunks.push(c);
      });
      res.on('error', (e) => done({ kind: 'network', error: e }));
      res.on('end', () =>
        done({ kind: 'response', res: { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url: url.toString(), cached: false } }),
      );
    });
    req.end(payload);
  });
}

function headerOf(h: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The wait (ms) a 429 or 403 asks for through its headers, or undefined when they ask none:
 * Retry-After (seconds or an HTTP date), else an exhausted budget with its reset in epoch
 * seconds, GitHub's X-RateLimit-Remaining/Reset or GitLab's (IETF draft) RateLimit-Remaining/Reset.
 */
export function rateLimitWaitMs(res: Pick<ForgeResponse, 'status' | 'headers'>, now: number): number | undefined {
  if (res.status !== 429 && res.status !== 403) return undefined;
  const retryAfter = headerOf(res.headers, 'retry-after')?.trim();
  if (retryAfter !== undefined && retryAfter !== '') {
    const ms = /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : Date.parse(retryAfter) - now;
    if (Number.isFinite(ms)) return Math.max(0, ms);
  }
  for (const prefix of ['x-ratelimit-', 'ratelimit-']) {
    const remaining = headerOf(res.headers, `${prefix}remaining`)?.trim();
    const reset = headerOf(res.headers, `${prefix}reset`)?.trim();
    if (remaining === '0' && reset !== undefined && /^\d+$/.test(reset)) {
      return Math.max(0, Number(reset) * 1000 - now) + 1000; // reset is whole seconds: one more for skew
    }
  }
  return undefined;
}
