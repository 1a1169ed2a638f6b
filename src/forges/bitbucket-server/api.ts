// The Bitbucket Data Center REST 1.0 client of one integration: the API at url/rest/api/1.0
// (context path kept) unless api_url is set, `Authorization: Bearer <token>` or HTTP Basic with
// `username`, `X-Atlassian-Token: no-check` (the XSRF guard of state-changing calls), the custom
// CA, Bitbucket's body paging (start/limit, isLastPage/nextPageStart) asking 1,000 rows a page,
// all through the one ForgeHttpClient. Answers are checked against schemas.ts here.
import { readCaFile, type ForgeBuildDeps } from '../forge-deps.js';
import { ForgeHttpClient } from '../http.js';
import { ForgeError } from '../types.js';
import type { BitbucketServerIntegrationConfig } from './config.js';

/** What the factory takes besides the configuration (the ETag cache is not used). */
export type BitbucketServerForgeDeps = ForgeBuildDeps;

/** The web URL without a trailing slash or a pasted /rest/api/1.0 (OAuth lives under it). */
export function bitbucketServerWebUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/rest\/api\/(1\.0|latest)$/, '');
}

/** Where the REST API lives: api_url when given, else the web URL (context path kept) + /rest/api/1.0. */
export function bitbucketServerApiUrl(url: string, apiUrl?: string | null): string {
  if (apiUrl) return apiUrl.replace(/\/+$/, '');
  return `${bitbucketServerWebUrl(url)}/rest/api/1.0`;
}

/** The Authorization scheme and value of the configured credential, or null without a token. */
export function credentialOf(config: BitbucketServerIntegrationConfig): { scheme: string; value: string } | null {
  if (!config.token) return null;
  if (config.username) return { scheme: 'Basic', value: Buffer.from(`${config.username}:${config.token}`, 'utf8').toString('base64') };
  return { scheme: 'Bearer', value: config.token };
}

export function createBitbucketServerClient(config: BitbucketServerIntegrationConfig, deps: BitbucketServerForgeDeps = {}, ca = readCaFile(config, deps)): ForgeHttpClient {
  const cred = credentialOf(config);
  return new ForgeHttpClient({
    concurrency: config.api_concurrency ?? 8,
    // Bitbucket's default limit is 25. A server whose page.max.* caps a listing lower answers
    // fewer rows with nextPageStart, so a large ask only saves pages.
    perPage: 1000,
    ...deps.http,
    paging: 'bitbucket-dc',
    integration: config.id,
    baseUrl: bitbucketServerApiUrl(config.url, config.api_url),
    headers: { accept: 'application/json', 'x-atlassian-token': 'no-check' },
    etagStore: null,
    ...(cred ? { token: () => cred.value, authScheme: cred.scheme } : {}),
    ...(ca !== undefined ? { ca } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.log ? { log: deps.log } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
}

export { getOne, listAll } from '../checked.js';

/** A project key as a path segment (`PAY`, personal `~JDOE`). */
export function keyPath(key: string): string {
  if (!/^~?[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(key)) throw new ForgeError('invalid', `not a Bitbucket project key: "${key.slice(0, 40)}"`);
  return encodeURIComponent(key);
}

/** A repository slug as a path segment. */
export function slugPath(slug: string): string {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(slug)) throw new ForgeError('invalid', `not a Bitbucket repository slug: "${slug.slice(0, 40)}"`);
  return encodeURIComponent(slug);
}

/**
 * The project keys of a source (`PAY` or `PAY,WEB`): upper-cased (Bitbucket's keys are, personal
 * `~USER` keys too, and its URLs take any case), deduplicated and sorted, so `web, pay` and
 * `PAY,WEB` name the same organization (the snapshot's org id and login are the keys joined).
 */
export function sourceKeys(source: string): string[] {
  const keys = source.split(',').map((k) => k.trim()).filter((k) => k !== '').map((k) => k.toUpperCase());
  if (keys.length === 0) throw new ForgeError('invalid', 'the source names no Bitbucket project key');
  for (const k of keys) keyPath(k);
  return [...new Set(keys)].sort();
}
