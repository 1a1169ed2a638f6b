// Small HTTP pieces every forge fake needs: reading a body, latency, weak ETags and conditional
// requests, the credential in an Authorization header, and the request log's record type.

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** One API request as the fake saw it (the request log). */
export interface ApiRequestRecord {
  method: string;
  path: string;
  query: string;
  status: number;
  token: string | null;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits `ms` when it is a positive number (a fake's `latencyMs`). */
export async function latency(ms: number | undefined): Promise<void> {
  if (ms !== undefined && ms > 0) await sleep(ms);
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A form (or JSON) body plus the query string as one flat record; the body wins. */
export async function readParams(req: IncomingMessage, url: URL): Promise<Record<string, string>> {
  const raw = (await readBody(req)).toString('utf8');
  const type = String(req.headers['content-type'] ?? '');
  let params: Record<string, string> = {};
  if (type.includes('json')) {
    try {
      params = Object.fromEntries(Object.entries(JSON.parse(raw) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    } catch {
      params = {};
    }
  } else params = Object.fromEntries(new URLSearchParams(raw));
  for (const [k, v] of url.searchParams) params[k] ??= v;
  return params;
}

/** A weak validator over the exact body bytes. */
export function weakEtag(body: Buffer): string {
  return `W/"${createHash('sha256').update(body).digest('hex')}"`;
}

export function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const strip = (s: string): string => s.trim().replace(/^W\//, '');
  if (header.trim() === '*') return true;
  return header.split(',').some((c) => strip(c) === strip(etag));
}

/** True when If-None-Match (or, without it, If-Modified-Since) says the client's copy is current. */
export function notModified(req: IncomingMessage, etag: string, lastModified?: string): boolean {
  const inm = req.headers['if-none-match'];
  const ims = req.headers['if-modified-since'];
  if (inm !== undefined) return etagMatches(inm, etag);
  return ims !== undefined && lastModified !== undefined && Date.parse(lastModified) <= Date.parse(ims);
}

/**
 * The credential of a request: `token X`, `Bearer X`, basic auth (the password), or a header a
 * forge adds (GitLab's PRIVATE-TOKEN). null when there is none; '' when the header is malformed.
 */
export function tokenOf(req: IncomingMessage, extraHeader?: string): string | null {
  if (extraHeader !== undefined) {
    const v = req.headers[extraHeader.toLowerCase()];
    if (typeof v === 'string') return v.trim();
  }
  const h = req.headers.authorization;
  if (h === undefined) return null;
  const m = /^(token|bearer|basic)\s+(\S+)$/i.exec(h.trim());
  if (m === null) return '';
  if ((m[1] ?? '').toLowerCase() !== 'basic') return m[2] ?? '';
  const decoded = Buffer.from(m[2] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? decoded : decoded.slice(colon + 1);
}

/** The user name of basic auth (git over HTTP: `oauth2`, `x-access-token`, …), else null. */
export function basicUserOf(req: IncomingMessage): string | null {
  const m = /^basic\s+(\S+)$/i.exec((req.headers.authorization ?? '').trim());
  if (m === null) return null;
  const decoded = Buffer.from(m[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : decoded.slice(0, colon);
}
