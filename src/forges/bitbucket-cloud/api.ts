// The Bitbucket Cloud REST 2.0 client of one integration: the API at https://api.bitbucket.org/2.0
// unless api_url is set, the configured credential (Basic with `username`, Bearer for an access
// token or the OAuth consumer's client-credentials token), the custom CA, Bitbucket's body paging
// (`values`/`next`, the next page on the API's origin only, pagelen=100: the documented maximum),
// 429 with Retry-After waited out, all through the one ForgeHttpClient. Answers are checked
// against schemas.ts here. Also the path helpers (workspace and repository slugs, uuids).
import { readCaFile, type ForgeBuildDeps } from '../forge-deps.js';
import { ForgeHttpClient } from '../http.js';
import { ForgeError } from '../types.js';
import { BITBUCKET_CLOUD_API_URL, BITBUCKET_CLOUD_WEB_URL, type BitbucketCloudIntegrationConfig } from './config.js';

/** What the factory takes besides the configuration (the ETag cache is not used). */
export type BitbucketCloudForgeDeps = ForgeBuildDeps;

/** The web URL without a trailing slash (OAuth lives under it). */
export function bitbucketCloudWebUrl(url?: string | null): string {
  return (url || BITBUCKET_CLOUD_WEB_URL).replace(/\/+$/, '');
}

/** Where the REST 2.0 API lives: api_url when given, else api.bitbucket.org/2.0. */
export function bitbucketCloudApiUrl(apiUrl?: string | null): string {
  return (apiUrl || BITBUCKET_CLOUD_API_URL).replace(/\/+$/, '');
}

/** The 1.0 API beside the 2.0 one (…/2.0 -> …/1.0), or null when api_url does not end in /2.0. */
export function bitbucketCloudApi1Url(apiUrl: string): string | null {
  return /\/2\.0$/.test(apiUrl) ? apiUrl.replace(/\/2\.0$/, '/1.0') : null;
}

/** How the integration authenticates (see config.ts), or null when it has no credential. */
export type CredentialKind = 'api-token' | 'app-password' | 'access-token' | 'client-credentials';

export function credentialKind(config: BitbucketCloudIntegrationConfig): CredentialKind | null {
  if (config.oauth_client_credentials) return 'client-credentials';
  if (!config.token) return null;
  if (!config.username) return 'access-token';
  return config.username.includes('@') ? 'api-token' : 'app-password';
}

export function createBitbucketCloudClient(
  config: BitbucketCloudIntegrationConfig,
  deps: BitbucketCloudForgeDeps = {},
  ca = readCaFile(config, deps),
  bearer?: () => Promise<string>,
): ForgeHttpClient {
  const kind = credentialKind(config);
  const auth =
    kind === 'client-credentials' && bearer
      ? { token: bearer, authScheme: 'Bearer' }
      : kind === 'api-token' || kind === 'app-password'
        ? { token: () => Buffer.from(`${config.username}:${config.token}`, 'utf8').toString('base64'), authScheme: 'Basic' }
        : kind === 'access-token'
          ? { token: () => config.token as string, authScheme: 'Bearer' }
          : {};
  return new ForgeHttpClient({
    concurrency: config.api_concurrency ?? 8,
    perPage: 100, // pagelen: Bitbucket's maximum for most listings
    ...deps.http,
    paging: 'bitbucket-cloud',
    integration: config.id,
    baseUrl: bitbucketCloudApiUrl(config.api_url),
    headers: { accept: 'application/json' },
    etagStore: null,
    ...auth,
    ...(ca !== undefined ? { ca } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.log ? { log: deps.log } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
}

export { getOne, listAll } from '../checked.js';

/** A workspace slug as a path segment; the source is trimmed and lower-cased (Bitbucket's slugs are). */
export function workspaceSlug(source: string): string {
  const ws = source.trim().toLowerCase();
  if (!/^[a-z0-9_.-]{1,62}$/.test(ws)) throw new ForgeError('invalid', `not a Bitbucket workspace slug: "${source.slice(0, 40)}"`);
  return ws;
}

/** A repository slug as a path segment. */
export function slugPath(slug: string): string {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(slug)) throw new ForgeError('invalid', `not a Bitbucket repository slug: "${slug.slice(0, 40)}"`);
  return encodeURIComponent(slug);
}

/** A uuid (`{…}`) as a path segment (braces encoded). */
export function uuidPath(uuid: string): string {
  if (!/^\{[^{}/\s]{1,64}\}$/.test(uuid)) throw new ForgeError('invalid', `not a Bitbucket uuid: "${uuid.slice(0, 40)}"`);
  return encodeURIComponent(uuid);
}

/** The workspace and slug of `repo` (fullName is workspace/slug). */
export function workspaceAndSlug(repo: { fullName: string }): { workspace: string; slug: string } {
  const [workspace, slug, ...rest] = repo.fullName.split('/');
  if (!workspace || !slug || rest.length > 0) throw new ForgeError('invalid', `not a Bitbucket repository path: "${repo.fullName.slice(0, 80)}"`);
  return { workspace, slug };
}
