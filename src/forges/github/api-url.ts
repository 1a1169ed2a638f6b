// Where a GitHub integration lives: github.com (any of its spellings: a trailing slash, www.,
// http://, even the API host pasted as `url`) is the web URL https://github.com with its REST API
// at https://api.github.com (no /api/v3); anything else is a GitHub Enterprise Server whose web
// URL is `url` (a pasted /api/v3 and trailing slashes dropped) and whose API is URL/api/v3.
// `api_url`, when given, wins for the API.

const DOTCOM_HOSTS = new Set(['github.com', 'www.github.com', 'api.github.com']);

/** True when `url` names github.com rather than a GitHub Enterprise Server. */
export function isGitHubDotCom(url: string): boolean {
  try {
    return DOTCOM_HOSTS.has(new URL(url).hostname.replace(/\.$/, ''));
  } catch {
    return false;
  }
}

/** The web URL (OAuth endpoints, fallback clone URLs): https://github.com, or the GHES URL. */
export function githubWebUrl(url: string): string {
  if (isGitHubDotCom(url)) return 'https://github.com';
  return url.replace(/\/+$/, '').replace(/\/api\/v3$/, '');
}

/** The REST API's base URL: api_url when given, api.github.com for github.com, else URL/api/v3. */
export function githubApiUrl(url: string, apiUrl?: string | null): string {
  if (apiUrl) return apiUrl.replace(/\/+$/, '');
  if (isGitHubDotCom(url)) return 'https://api.github.com';
  return `${githubWebUrl(url)}/api/v3`;
}
