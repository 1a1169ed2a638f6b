// Git smart HTTP for the fake GHES: token in basic auth (any username, e.g. x-access-token), then
// `git http-backend` as CGI over the repository's bare directory; every child is tracked for close().

import { spawn, type ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GhesState } from './state.js';

function splitCgiHeaders(buf: Buffer): { headers: string; body: Buffer } | null {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf === -1 && lf === -1) return null;
  const useCrlf = crlf !== -1 && (lf === -1 || crlf < lf);
  const end = useCrlf ? crlf : lf;
  return { headers: buf.toString('latin1', 0, end), body: buf.subarray(end + (useCrlf ? 4 : 2)) };
}

export interface GitHttpDeps {
  root: string;
  state: GhesState;
  children: Set<ChildProcess>;
  gitRequests: Array<{ method: string; path: string; status: number; token: string | null }>;
  tokenOf(req: IncomingMessage): string | null;
}

/** Matches /{owner}/{repo}(.git)/<smart HTTP path>. */
export const GIT_PATH = /^\/([^/]+)\/([^/]+?)(?:\.git)?(\/(?:info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.+))$/;

/** Serves one git smart-HTTP request for a repository the token may read (clone and fetch only). */
export function serveGit(deps: GitHttpDeps, req: IncomingMessage, res: ServerResponse, url: URL, m: RegExpExecArray): void {
  const { root, state, children, gitRequests, tokenOf } = deps;
  const [, owner = '', name = '', rest = ''] = m;
  const token = tokenOf(req);
  const record = { method: req.method ?? 'GET', path: url.pathname + url.search, status: 0, token };
  gitRequests.push(record);
  const reply = (status: number, text: string, headers: Record<string, string> = {}): void => {
    record.status = status;
    req.resume();
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
    res.end(text);
  };
  const principal = token === null || token === '' ? null : state.principal(token);
  if (principal === null) {
    reply(401, token === null ? 'Authentication required\n' : 'Invalid username or token. Password authentication is not supported for Git operations.\n', {
      'WWW-Authenticate': 'Basic realm="GitHub"',
    });
    return;
  }
  const repo = state.findRepo(owner, name);
  if (repo === undefined || state.repoRole(principal, repo) === null) {
    reply(404, 'Repository not found.\n');
    return;
  }
  if (rest.includes('git-receive-pack') || url.searchParams.get('service') === 'git-receive-pack') {
    reply(403, 'Write access to repository not granted.\n');
    return;
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: root,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: `/${repo.id}.git${rest}`,
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: 'x-access-token',
    REMOTE_ADDR: '127.0.0.1',
  };
  if (req.headers['content-length'] !== undefined) env['CONTENT_LENGTH'] = req.headers['content-length'];
  if (req.headers['content-encoding'] !== undefined) env['HTTP_CONTENT_ENCODING'] = req.headers['content-encoding'];
  const protocol = req.headers['git-protocol'];
  if (typeof protocol === 'string') env['GIT_PROTOCOL'] = protocol;
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  child.stderr.resume();
  let buffered = Buffer.alloc(0);
  let started = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (started) {
      res.write(chunk);
      return;
    }
    buffered = Buffer.concat([buffered, chunk]);
    const split = splitCgiHeaders(buffered);
    if (split === null) return;
    started = true;
    let status = 200;
    for (const line of split.headers.split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon === -1) continue;
      const hname = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (hname.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
      else res.setHeader(hname, value);
    }
    record.status = status;
    res.statusCode = status;
    res.write(split.body);
  });
  child.on('close', () => {
    children.delete(child);
    if (!started) {
      record.status = 502;
      if (!res.headersSent) res.statusCode = 502;
    }
    res.end();
  });
  child.on('error', () => {
    children.delete(child);
    record.status = 500;
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  });
}

