// One HTTP attempt of the forge client (http.ts): the request with its connect and whole-request
// timeouts and a cap on the answer's size. Retries, rate limits and caching are the client's.
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
