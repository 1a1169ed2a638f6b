// JSON shapes of the fake Bitbucket Data Center (REST 1.0): RestApplicationUser, RestDetailedUser,
// RestProject, RestRepository (with http and ssh clone links under the context path), permission
// rows, webhooks (the secret is never echoed), Bitbucket's `errors[]` bodies and its paged envelope.

import type { BitbucketState, Hook, Project, Repository, User } from './state.js';

export interface Urls {
  /** http(s)://127.0.0.1:PORT[CONTEXT] */
  web: string;
  host: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

/** Bitbucket's error body: `{errors:[{context, message, exceptionName}]}`. */
export function bbError(status: number, message: string, exceptionName: string): HttpError {
  return new HttpError(status, { errors: [{ context: null, message, exceptionName }] });
}

export const notAuthenticated = (): HttpError =>
  bbError(401, 'Authentication failed. Please check your credentials and try again.', 'com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException');
export const notPermitted = (): HttpError => bbError(401, 'You are not permitted to access this resource', 'com.atlassian.bitbucket.AuthorisationException');
export const noProject = (key: string): HttpError => bbError(404, `Project ${key} does not exist.`, 'com.atlassian.bitbucket.project.NoSuchProjectException');
export const noRepo = (key: string, slug: string): HttpError => bbError(404, `Repository ${key}/${slug} does not exist.`, 'com.atlassian.bitbucket.repository.NoSuchRepositoryException');

/** The paged envelope: `{size, limit, isLastPage, start, values[, nextPageStart]}`. */
export function paged<T>(all: T[], start: number, limit: number): Record<string, unknown> {
  const values = all.slice(start, start + limit);
  const isLastPage = start + values.length >= all.length;
  const page: Record<string, unknown> = { size: values.length, limit, isLastPage, values, start };
  if (!isLastPage) page['nextPageStart'] = start + values.length;
  return page;
}

export function renderUser(u: User, urls: Urls): Record<string, unknown> {
  return {
    name: u.name,
    emailAddress: u.emailAddress,
    active: u.active,
    displayName: u.displayName,
    id: u.id,
    slug: u.slug,
    type: 'NORMAL',
    links: { self: [{ href: `${urls.web}/users/${u.slug}` }] },
  };
}

export function renderDetailedUser(u: User, urls: Urls): Record<string, unknown> {
  return {
    ...renderUser(u, urls),
    directoryName: 'Bitbucket Internal Directory',
    deletable: true,
    lastAuthenticationTimestamp: 1767225600000,
    mutableDetails: true,
    mutableGroups: true,
  };
}

export function renderProject(p: Project, urls: Urls): Record<string, unknown> {
  const out: Record<string, unknown> = { key: p.key, id: p.id, name: p.name, public: p.public, type: 'NORMAL', links: { self: [{ href: `${urls.web}/projects/${p.key}` }] } };
  if (p.description !== null) out['description'] = p.description;
  return out;
}

export function renderRepo(s: BitbucketState, r: Repository, urls: Urls): Record<string, unknown> {
  const p = s.projectOf(r);
  const key = p.key.toLowerCase();
  return {
    slug: r.slug,
    id: r.id,
    name: r.name,
    hierarchyId: r.id.toString(16).padStart(20, '0'),
    scmId: 'git',
    state: 'AVAILABLE',
    statusMessage: 'Available',
    forkable: true,
    defaultBranch: r.defaultBranch,
    project: renderProject(p, urls),
    public: r.public,
    archived: r.archived,
    links: {
      clone: [
        { href: `${urls.web}/scm/${key}/${r.slug}.git`, name: 'http' },
        { href: `ssh://git@${urls.host.replace(/:\d+$/, '')}:7999/${key}/${r.slug}.git`, name: 'ssh' },
      ],
      self: [{ href: `${urls.web}/projects/${p.key}/repos/${r.slug}/browse` }],
    },
  };
}

export function renderHook(h: Hook): Record<string, unknown> {
  return {
    id: h.id,
    name: h.name,
    createdDate: h.createdDate,
    updatedDate: h.updatedDate,
    events: h.events,
    configuration: {},
    url: h.url,
    active: h.active,
    scopeType: h.scope.type,
    sslVerificationRequired: true,
  };
}
