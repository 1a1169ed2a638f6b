// Runs `git http-backend` as a CGI for one request: the test git HTTP server and the fake GHES's
// git endpoint both serve real repositories through it.
import { spawn, type ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Splits the CGI header block from the body; returns null until the blank line has arrived. */
function splitCgiHeaders(buf: Buffer): { headers: string; body: Buffer } | null {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf === -1 && lf === -1) return null;
  const useCrlf = crlf !== -1 && (lf === -1 || crlf < lf);
  const end = useCrlf ? crlf : lf;
  return { headers: buf.toString('latin1', 0, end), body: buf.subarray(end + (useCrlf ? 4 : 2)) };
}

export interface GitCgiRequest {
  /** Bare repositories live under this folder. */
  root: string;
  home: string;
  /** PATH_INFO: /REPO.git/info/refs and so on. */
  pathInfo: string;
  remoteUser: string;
  /** Told the HTTP status git answered with (502 when it wrote no headers, 500 when it could not start). */
  onStatus: (status: number) => void;
  /** Kept while the process runs, so that a server's close can kill what is left. */
  children?: Set<ChildProcess>;
}

export function runGitHttpBackend(req: IncomingMessage, res: ServerResponse, opts: GitCgiRequest): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: opts.home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_PROJECT_ROOT: opts.root,
    GIT_HTTP_EXPORT_ALL: '1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: opts.pathInfo,
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: opts.remoteUser,
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
  opts.children?.add(child);
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  child.stderr.resume();
  let pending: Buffer = Buffer.alloc(0);
  let started = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (started) {
      res.write(chunk);
      return;
    }
    pending = Buffer.concat([pending, chunk]);
    const split = splitCgiHeaders(pending);
    if (split === null) return;
    started = true;
    let status = 200;
    for (const line of split.headers.split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon === -1) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
      else res.setHeader(name, value);
    }
    opts.onStatus(status);
    res.statusCode = status;
    res.write(split.body);
  });
  child.on('close', () => {
    opts.children?.delete(child);
    if (!started) {
      opts.onStatus(502);
      if (!res.headersSent) res.statusCode = 502;
    }
    res.end();
  });
  child.on('error', () => {
    opts.children?.delete(child);
    opts.onStatus(500);
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  });
}
