// The GitLab REST v4 client of one integration: the API at url/api/v4 (relative URL roots such
// as https://host/gitlab kept) unless api_url is set, `Authorization: Bearer <token>` (personal,
// group, project or OAuth access token), the custom CA, GitLab's x-next-page paging at 100 per
// page, all through the one ForgeHttpClient. Answers are checked against schemas.ts here.
import { readCaFile, type ForgeBuildDeps } from '../forge-deps.js';
import { ForgeHttpClient } from '../http.js';
import { ForgeError } from '../types.js';
import type { GitLabIntegrationConfig } from './config.js';

/** What the factory takes besides the configuration; its etagStore is not used: a 304 answered
 * from the cache keeps only the Link header, not x-next-page, and GitLab's REST API sends few ETags. */
export type GitLabForgeDeps = ForgeBuildDeps;

/** True when `url` names gitlab.com (www. included) rather than a self-managed instance. */
export function isGitLabDotCom(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/\.$/, '');
    return host === 'gitlab.com' || host === 'www.gitlab.com';
  } catch {
    return false;
  }
}

/**
 * The web URL without a trailing slash or a pasted /api/v4 (OAuth lives under it); gitlab.com in
 * any spelling (www., http://, a trailing slash) is https://gitlab.com, which has no relative root.
 */
export function gitlabWebUrl(url: string): string {
  if (isGitLabDotCom(url)) return 'https://gitlab.com';
  return url.replace(/\/+$/, '').replace(/\/api\/v4$/, '');
}

/** Where the REST API lives: api_url when given, else the web URL (relative root kept) + /api/v4. */
export function gitlabApiUrl(url: string, apiUrl?: string | null): string {
  if (apiUrl) return apiUrl.replace(/\/+$/, '');
  return `${gitlabWebUrl(url)}/api/v4`;
}


export function createGitLabClient(config: GitLabIntegrationConfig, deps: GitLabForgeDeps = {}, ca = readCaFile(config, deps)): ForgeHttpClient {
  const token = config.token;
  return new ForgeHttpClient({
    concurrency: config.api_concurrency ?? 8,
    perPage: 100,
    ...deps.http,
    paging: 'gitlab',
    integration: config.id,
    baseUrl: gitlabApiUrl(config.url, config.api_url),
    headers: { accept: 'application/json' },
    etagStore: null,
    ...(token ? { token: () => token } : {}),
    ...(ca !== undefined ? { ca } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.log ? { log: deps.log } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
}

export { getOne, listAll } from '../checked.js';

/** A numeric id as a path segment (ids only after discovery: proxies may decode %2F). */
export function idPath(id: string | number): string {
  const s = String(id);
  if (!/^[0-9]{1,19}$/.test(s)) throw new ForgeError('invalid', `not a GitLab numeric id: "${s.slice(0, 40)}"`);
  return s;
}
