// Offset pagination for the forge fakes: page/per_page parsing and slicing, and Link headers
// (absolute URLs carrying the original query) in the rel order a forge uses.

export function parsePaging(query: URLSearchParams, defaultPerPage: number, maxPerPage = 100): { page: number; perPage: number } {
  const perRaw = Number.parseInt(query.get('per_page') ?? '', 10);
  const pageRaw = Number.parseInt(query.get('page') ?? '', 10);
  return {
    perPage: Number.isFinite(perRaw) && perRaw > 0 ? Math.min(perRaw, maxPerPage) : defaultPerPage,
    page: Number.isFinite(pageRaw) && pageRaw > 0 ? pageRaw : 1,
  };
}

export function pageUrl(base: string, query: URLSearchParams, page: number): string {
  const q = new URLSearchParams(query);
  q.set('page', String(page));
  return `${base}?${q.toString()}`;
}

/** A Link header with the given rels (in that order); null when it would be empty. */
export function linkHeader(base: string, query: URLSearchParams, rels: Array<[rel: string, page: number]>): string | null {
  if (rels.length === 0) return null;
  return rels.map(([rel, p]) => `<${pageUrl(base, query, p)}>; rel="${rel}"`).join(', ');
}
