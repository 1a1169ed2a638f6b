// Git smart HTTP for the forge fakes: the forge decides who may read which bare repository
// (its own auth rules and error texts), then `git http-backend` runs as CGI over it; pushes are
// refused (tests write through the fake's state); every child is tracked for close().

import type { ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { runGitHttpBackend } from '../../helpers/git-cgi.js';

export interface GitRequestRecord {
  method: string;
  path: string;
  status: number;
  token: string | null;
}

/** The smart-HTTP tail of a repository URL: /info/refs, /git-upload-pack, … */
export const GIT_TAIL = /(\/(?:info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.+))$/;

/** What the forge decided: serve this repository (file name under root), or answer with an error. */
export type GitAccess =
  | { ok: true; repoFile: string; remoteUser: string }
  | { ok: false; status: number; text: string; headers?: Record<string, string> };

export interface GitHttpDeps {
  root: string;
  children: Set<ChildProcess>;
  gitRequests: GitRequestRecord[];
}

export function isReceivePack(url: URL, tail: string): boolean {
  return tail.includes('git-receive-pack') || url.searchParams.get('service') === 'git-receive-pack';
}

/** Serves one smart-HTTP request after `access` (the forge's decision) allowed it. */
export function serveGitRequest(deps: GitHttpDeps, req: IncomingMessage, res: ServerResponse, url: URL, tail: string, token: string | null, access: GitAccess): void {
  const record: GitRequestRecord = { method: req.method ?? 'GET', path: url.pathname + url.search, status: 0, token };
  deps.gitRequests.push(record);
  if (!access.ok) {
    record.status = access.status;
    req.resume();
    res.writeHead(access.status, { 'Content-Type': 'text/plain; charset=utf-8', ...(access.headers ?? {}) });
    res.end(access.text);
    return;
  }
  runGitHttpBackend(req, res, {
    root: deps.root,
    home: deps.root,
    pathInfo: `/${access.repoFile}${tail}`,
    remoteUser: access.remoteUser,
    children: deps.children,
    onStatus: (status) => {
      record.status = status;
    },
  });
}
