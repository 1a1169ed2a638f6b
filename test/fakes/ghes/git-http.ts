// Git smart HTTP for the fake GHES, on the kit (kit/git-http.ts): token in basic auth (any
// username, e.g. x-access-token), GitHub's error texts, clone and fetch only.

import type { ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isReceivePack, serveGitRequest, type GitAccess, type GitRequestRecord } from '../kit/git-http.js';
import type { GhesState } from './state.js';

export interface GitHttpDeps {
  root: string;
  state: GhesState;
  children: Set<ChildProcess>;
  gitRequests: GitRequestRecord[];
  tokenOf(req: IncomingMessage): string | null;
}

/** Matches /{owner}/{repo}(.git)/<smart HTTP path>. */
export const GIT_PATH = /^\/([^/]+)\/([^/]+?)(?:\.git)?(\/(?:info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.+))$/;

function access(state: GhesState, token: string | null, owner: string, name: string, url: URL, rest: string): GitAccess {
  const principal = token === null || token === '' ? null : state.principal(token);
  if (principal === null) {
    return {
      ok: false,
      status: 401,
      text: token === null ? 'Authentication required\n' : 'Invalid username or token. Password authentication is not supported for Git operations.\n',
      headers: { 'WWW-Authenticate': 'Basic realm="GitHub"' },
    };
  }
  const repo = state.findRepo(owner, name);
  if (repo === undefined || state.repoRole(principal, repo) === null) return { ok: false, status: 404, text: 'Repository not found.\n' };
  if (isReceivePack(url, rest)) return { ok: false, status: 403, text: 'Write access to repository not granted.\n' };
  return { ok: true, repoFile: `${repo.id}.git`, remoteUser: 'x-access-token' };
}

/** Serves one git smart-HTTP request for a repository the token may read (clone and fetch only). */
export function serveGit(deps: GitHttpDeps, req: IncomingMessage, res: ServerResponse, url: URL, m: RegExpExecArray): void {
  const [, owner = '', name = '', rest = ''] = m;
  const token = deps.tokenOf(req);
  serveGitRequest(deps, req, res, url, rest, token, access(deps.state, token, owner, name, url, rest));
}
