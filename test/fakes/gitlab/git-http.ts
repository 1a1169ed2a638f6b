// Git smart HTTP for the fake GitLab, on the kit (kit/git-http.ts): ROOT/<full path>.git/…, basic
// auth with user `oauth2` + an OAuth token, or any user name + a personal, group or project access
// token with read_repository (or write_repository, api); Reporter and above clone private projects;
// GitLab's error texts; clone and fetch only.

import type { IncomingMessage } from 'node:http';
import { basicUserOf, tokenOf } from '../kit/http.js';
import { GIT_TAIL, isReceivePack, type GitAccess } from '../kit/git-http.js';
import { projectLevel } from './access.js';
import { REPORTER } from './model.js';
import type { GitLabState } from './state.js';

const DENIED =
  'HTTP Basic: Access denied. If a password was provided for Git authentication, the password was incorrect or you\'re required to use a token instead of a password. If a token was provided, it was either incorrect, expired, or improperly scoped.\n';
const NOT_FOUND = "The project you were looking for could not be found or you don't have permission to view it.\n";

/** Splits ROOT-relative `/<full path>(.git)/<tail>` into the project path and the smart-HTTP tail. */
export function gitTarget(rel: string): { projectPath: string; tail: string } | null {
  const m = GIT_TAIL.exec(rel);
  if (m === null) return null;
  const tail = m[1] ?? '';
  const repo = rel.slice(1, rel.length - tail.length).replace(/\.git$/, '');
  if (!repo.includes('/')) return null;
  return { projectPath: repo, tail };
}

export function gitAccess(state: GitLabState, req: IncomingMessage, url: URL, target: { projectPath: string; tail: string }): { token: string | null; access: GitAccess } {
  const token = tokenOf(req);
  const denied = (): { token: string | null; access: GitAccess } => ({ token, access: { ok: false, status: 401, text: DENIED, headers: { 'WWW-Authenticate': 'Basic realm="GitLab"' } } });
  if (token === null || token === '') return denied();
  const t = state.tokens.get(token);
  const user = t === undefined ? undefined : state.users.get(t.userId);
  if (t === undefined || user === undefined || t.revoked || (t.expiresAt !== null && Date.parse(t.expiresAt) <= Date.now())) return denied();
  if (t.kind === 'oauth' && basicUserOf(req) !== 'oauth2') return denied();
  if (!t.scopes.some((s) => s === 'read_repository' || s === 'write_repository' || s === 'api')) return denied();
  if (user.state !== 'active') return { token, access: { ok: false, status: 403, text: `Your account has been ${user.state}.\n` } };
  const p = state.findProject(target.projectPath);
  const level = p === undefined ? 0 : projectLevel(state, user, p);
  if (p === undefined || (p.visibility === 'private' && !user.admin && level < REPORTER)) return { token, access: { ok: false, status: 404, text: NOT_FOUND } };
  if (isReceivePack(url, target.tail)) return { token, access: { ok: false, status: 403, text: 'You are not allowed to push code to this project.\n' } };
  return { token, access: { ok: true, repoFile: `${p.id}.git`, remoteUser: user.username } };
}
