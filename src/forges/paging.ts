// Pure next-page resolvers for the forge listings, one per paging style: RFC 8288 Link
// rel="next" (GitHub), GitLab's x-next-page header with the Link header as fallback (keyset
// pagination sends only Link), Bitbucket Data Center's body `isLastPage`/`nextPageStart`, and
// Bitbucket Cloud's body `values`/`next`. Totals (x-total, x-total-pages, size) are never read:
// GitLab drops them above 10 000 rows. A next page on another origin, or a page that does not
// have its style's shape, is refused ('incomplete'): the client (http.ts) then throws, so a
// listing is complete or it fails.
import type { IncomingHttpHeaders } from 'node:http';
import { parseLink } from './http-support.js';

export type PagingStyle = 'link' | 'gitlab' | 'bitbucket-dc' | 'bitbucket-cloud';

export const PAGING_STYLES: readonly PagingStyle[] = ['link', 'gitlab', 'bitbucket-dc', 'bitbucket-cloud'];

/** One page as the client read it. */
export interface PageInput {
  /** The URL the page was read from (relative next links resolve against it). */
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body. */
  body: unknown;
  /** The API's origin: a next page elsewhere is refused. */
  origin: string;
}

/** The page's items and the next page's URL (null: this was the last page), or why the listing is not complete. */
export type PageResult = { ok: true; items: unknown[]; next: string | null } | { ok: false; reason: string };

/** The query parameter that sets the page size in each style. */
export function pageSizeParam(style: PagingStyle): string {
  switch (style) {
    case 'bitbucket-dc':
      return 'limit';
    case 'bitbucket-cloud':
      return 'pagelen';
    default:
      return 'per_page';
  }
}

function headerOf(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Resolves `link` against the page's URL, refusing another origin. */
function sameOrigin(link: string, page: PageInput): PageResult | string {
  let next: URL;
  try {
    next = new URL(link, page.url);
  } catch {
    return { ok: false, reason: 'the next link is not a URL' };
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') return { ok: false, reason: 'the next link is not an http(s) URL' };
  if (next.origin !== page.origin) return { ok: false, reason: `the next link points to another origin (${next.origin})` };
  return next.toString();
}

function linkNext(items: unknown[], page: PageInput): PageResult {
  const link = parseLink(headerOf(page.headers, 'link')).next;
  if (link === undefined) return { ok: true, items, next: null };
  const next = sameOrigin(link, page);
  return typeof next === 'string' ? { ok: true, items, next } : next;
}

/** The page's URL with one query parameter replaced. */
function withParam(url: string, name: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(name, value);
  return u.toString();
}

function resolveLink(page: PageInput): PageResult {
  if (!Array.isArray(page.body)) return { ok: false, reason: 'the page is not a list' };
  return linkNext(page.body, page);
}

function resolveGitLab(page: PageInput): PageResult {
  if (!Array.isArray(page.body)) return { ok: false, reason: 'the page is not a list' };
  const nextPage = headerOf(page.headers, 'x-next-page');
  if (nextPage === undefined) return linkNext(page.body, page); // keyset pagination: Link only
  const n = nextPage.trim();
  if (n === '') return { ok: true, items: page.body, next: null }; // empty on the last page
  if (!/^[1-9][0-9]{0,8}$/.test(n)) return { ok: false, reason: `x-next-page is not a page number ("${n.slice(0, 20)}")` };
  return { ok: true, items: page.body, next: withParam(page.url, 'page', n) };
}

function resolveBitbucketDc(page: PageInput): PageResult {
  const b = page.body;
  if (!isObject(b) || !Array.isArray(b.values)) return { ok: false, reason: 'the page has no values list' };
  if (typeof b.isLastPage !== 'boolean') return { ok: false, reason: 'the page has no isLastPage' };
  if (b.isLastPage) return { ok: true, items: b.values, next: null };
  const start = b.nextPageStart;
  if (typeof start !== 'number' || !Number.isSafeInteger(start) || start < 0) {
    return { ok: false, reason: 'the page is not the last and has no nextPageStart' };
  }
  const current = Number(new URL(page.url).searchParams.get('start') ?? '0');
  if (start <= current) return { ok: false, reason: `nextPageStart ${start} does not move past start ${current}` };
  return { ok: true, items: b.values, next: withParam(page.url, 'start', String(start)) };
}

function resolveBitbucketCloud(page: PageInput): PageResult {
  const b = page.body;
  if (!isObject(b) || !Array.isArray(b.values)) return { ok: false, reason: 'the page has no values list' };
  if (b.next === undefined || b.next === null) return { ok: true, items: b.values, next: null };
  if (typeof b.next !== 'string') return { ok: false, reason: 'the next link is not a string' };
  const next = sameOrigin(b.next, page);
  return typeof next === 'string' ? { ok: true, items: b.values, next } : next;
}

/** The items of one page and where the next one is, in `style`. */
export function resolvePage(style: PagingStyle, page: PageInput): PageResult {
  switch (style) {
    case 'link':
      return resolveLink(page);
    case 'gitlab':
      return resolveGitLab(page);
    case 'bitbucket-dc':
      return resolveBitbucketDc(page);
    case 'bitbucket-cloud':
      return resolveBitbucketCloud(page);
  }
}
