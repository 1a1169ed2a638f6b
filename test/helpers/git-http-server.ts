// A loopback git smart-HTTP server for tests: node http in front of `git http-backend` (CGI),
// with HTTP basic auth, and a record of every request so tests can count round trips.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { runGitHttpBackend } from './git-cgi.js';

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

function runBackend(root: string, user: string, req: IncomingMessage, res: ServerResponse, record: RecordedRequest): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  runGitHttpBackend(req, res, {
    root,
    home: tmpdir(),
    pathInfo: decodeURIComponent(url.pathname),
    remoteUser: user,
    onStatus: (status) => {
      record.status = status;
    },
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
