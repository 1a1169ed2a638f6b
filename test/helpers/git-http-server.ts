// A loopback git smart-HTTP server for tests: node http in front of `git http-backend` (CGI),
// with HTTP basic auth, and a record of every request so tests can count round trips.

import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. /repo.git/info/refs?service=git-upload-pack */
  url: string;
  /** The authenticated user, or null when the request carried no (valid) credentials. */
  user: string | null;
  status: number;
  /** Content-Encoding of the request body (git gzips larger POST bodies). */
  contentEncoding: string | null;
}

export interface GitHttpServer {
  readonly port: number;
  /** http://127.0.0.1:PORT/<repoName> (repoName relative to root, e.g. "pkg.git"). */
  url(repoName: string): string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

function authorizedUser(req: IncomingMessage, username: string, password: string): string | null {
  const header = req.headers.authorization ?? '';
  const match = /^Basic\s+(\S+)$/i.exec(header);
  if (match?.[1] === undefined) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return null;
  return decoded.slice(0, colon) === username && decoded.slice(colon + 1) === password ? username : null;
}

/** Splits the CGI header block from the body; returns null until the blank line has arrived. */
function splitCgiHeaders(buf: Buffer): { headers: string; body: Buffer } | null {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf === -1 && lf === -1) return null;
  const useCrlf = crlf !== -1 && (lf === -1 || crlf < lf);
  const end = useCrlf ? crlf : lf;
  return { headers: buf.toString('latin1', 0, end), body: buf.subarray(end + (useCrlf ? 4 : 2)) };
}

function runBackend(root: string, user: string, req: IncomingMessage, res: ServerResponse, record: RecordedRequest): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: tmpdir(),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: user,
    REMOTE_ADDR: '127.0.0.1',
  };
  const length = req.headers['content-length'];
  if (length !== undefined) env['CONTENT_LENGTH'] = length;
  // git sends large POST bodies gzip-compressed; http-backend inflates them itself when told.
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined) env['HTTP_CONTENT_ENCODING'] = encoding;
  const protocol = req.headers['git-protocol'];
  if (typeof protocol === 'string') env['GIT_PROTOCOL'] = protocol;

  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  child.stderr.resume();
  let pending: Buffer = Buffer.alloc(0);
  let headersSent = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    pending = Buffer.concat([pending, chunk]);
    const split = splitCgiHeaders(pending);
    if (split === null) return;
    headersSent = true;
    let status = 200;
    for (const line of split.headers.split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon === -1) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
      else res.setHeader(name, value);
    }
    record.status = status;
    res.statusCode = status;
    res.write(split.body);
  });
  child.on('close', () => {
    if (!headersSent) {
      record.status = 502;
      res.statusCode = 502;
    }
    res.end();
  });
  child.on('error', () => {
    record.status = 500;
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  });
}

/** Serves the bare repositories under `root` at http://127.0.0.1:<free port>/ behind basic auth. */
export async function startGitHttpServer(opts: { root: string; username: string; password: string }): Promise<GitHttpServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const user = authorizedUser(req, opts.username, opts.password);
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      user,
      status: 0,
      contentEncoding: req.headers['content-encoding'] ?? null,
    };
    requests.push(record);
    if (user === null) {
      record.status = 401;
      req.resume();
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="packyard-test"', 'Content-Type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }
    runBackend(opts.root, user, req, res, record);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    requests,
    url: (repoName) => `http://127.0.0.1:${port}/${repoName.replace(/^\/+/, '')}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
