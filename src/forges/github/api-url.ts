// Where a GitHub integration's REST API lives: api_url when given, api.github.com for github.com,
// URL/api/v3 for GitHub Enterprise Server (tolerating a trailing slash or a pasted /api/v3).
export function githubApiUrl(url: string, apiUrl?: string | null): string {
  if (apiUrl) return apiUrl.replace(/\/+$/, '');
  const web = url.replace(/\/+$/, '');
  const u = new URL(web);
  if (u.hostname === 'github.com' || u.hostname === 'www.github.com') return 'https://api.github.com';
  if (u.hostname === 'api.github.com') return 'https://api.github.com';
  return /\/api\/v3$/.test(web) ? web : `${web}/api/v3`;
}
