// Small pieces the fake's HTTP layer shares: GitHub's error bodies, pagination Link headers in
// GitHub's order, GitHub App JWT verification (ETags and paging come from the kit).

import { createVerify } from 'node:crypto';
import { linkHeader as kitLinkHeader, parsePaging as kitParsePaging } from '../kit/paging.js';
import type { App, GhesState } from './state.js';

export const DOCS = 'https://docs.github.com/enterprise-server@3.19/rest';

export interface Result {
  status: number;
  body?: unknown;
  /** A list to paginate; the server slices it and writes the Link header. */
  list?: unknown[];
  raw?: { bytes: Buffer; contentType: string; mediaType: string };
  headers?: Record<string, string>;
  /** ISO timestamp for Last-Modified (GitHub sends it on single resources). */
  lastModified?: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body['message'] ?? status));
  }
}

export const notFound = (doc = DOCS): HttpError => new HttpError(404, { message: 'Not Found', documentation_url: doc, status: '404' });
export const badCredentials = (): HttpError => new HttpError(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
export const requiresAuth = (): HttpError => new HttpError(401, { message: 'Requires authentication', documentation_url: DOCS, status: '401' });
export const forbidden = (message: string, doc = DOCS): HttpError => new HttpError(403, { message, documentation_url: doc, status: '403' });
export const validationFailed = (errors: Array<Record<string, unknown>>, doc = DOCS): HttpError =>
  new HttpError(422, { message: 'Validation Failed', errors, documentation_url: doc, status: '422' });

export { weakEtag, etagMatches } from '../kit/http.js';

/** GitHub's Link header: prev, next, last, first (absolute URLs carrying the original query). */
export function linkHeader(base: string, query: URLSearchParams, page: number, lastPage: number): string | null {
  if (lastPage <= 1 && page <= 1) return null;
  const rels: Array<[string, number]> = [];
  if (page > 1) rels.push(['prev', Math.min(page - 1, lastPage)]);
  if (page < lastPage) rels.push(['next', page + 1], ['last', lastPage]);
  if (page > 1) rels.push(['first', 1]);
  return kitLinkHeader(base, query, rels);
}

export function parsePaging(query: URLSearchParams): { page: number; perPage: number } {
  return kitParsePaging(query, 30);
}

function b64urlJson(part: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function looksLikeJwt(token: string): boolean {
  return /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(token);
}

/** Verifies a GitHub App JWT: RS256, iss = app id, iat in the past, exp at most 10 minutes ahead. */
export function verifyAppJwt(state: GhesState, token: string, nowMs = Date.now()): App {
  const [h, p, s] = token.split('.');
  const header = h === undefined ? null : b64urlJson(h);
  const payload = p === undefined ? null : b64urlJson(p);
  if (header === null || payload === null || s === undefined) throw new HttpError(401, { message: 'A JSON web token could not be decoded', documentation_url: DOCS, status: '401' });
  if (header['alg'] !== 'RS256') throw new HttpError(401, { message: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires", documentation_url: DOCS, status: '401' });
  const iss = payload['iss'];
  const app = state.apps.get(Number(iss)) ?? [...state.apps.values()].find((a) => a.clientId === iss);
  if (app === undefined) throw new HttpError(401, { message: `Integration not found`, documentation_url: DOCS, status: '401' });
  const ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(app.publicKey, Buffer.from(s, 'base64url'));
  if (!ok) throw new HttpError(401, { message: 'A JSON web token could not be decoded', documentation_url: DOCS, status: '401' });
  const now = Math.floor(nowMs / 1000);
  const exp = payload['exp'];
  const iat = payload['iat'];
  if (typeof exp !== 'number' || exp <= now || exp > now + 600 + 5) {
    throw new HttpError(401, { message: "'Expiration time' claim ('exp') is too far in the future", documentation_url: DOCS, status: '401' });
  }
  if (typeof iat !== 'number' || iat > now + 1) throw new HttpError(401, { message: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued", documentation_url: DOCS, status: '401' });
  return app;
}
