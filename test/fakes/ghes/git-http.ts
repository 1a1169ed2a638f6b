// Git smart HTTP for the fake GHES: token in basic auth (any username, e.g. x-access-token), then
// `git http-backend` as CGI over the repository's bare directory; every child is tracked for close().

import type { ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { runGitHttpBackend } from '../../helpers/git-cgi.js';
import type { GhesState } from './state.js';

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
  runGitHttpBackend(req, res, {
    root,
    home: root,
    pathInfo: `/${repo.id}.git${rest}`,
    remoteUser: 'x-access-token',
    children,
    onStatus: (status) => {
      record.status = status;
    },
  });
}

