// What every forge's webhook verification (src/forges/<forge>/hooks.ts) shares: a request header
// by name whatever its case, the `sha256=<hex>` HMAC signature both Bitbucket flavours send in
// X-Hub-Signature (compared in constant time), and the payload check that turns a wrong shape
// into a 400 naming the field (PayloadError).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TSchema } from 'typebox';
import { firstProblem } from './forge-deps.js';
import type { HookRequest } from './types.js';

/** A header by name, whatever its case in `req.headers` (Node lowercases; hand-built requests may not); trimmed, '' as absent. */
export function hookHeader(req: HookRequest, name: string): string | undefined {
  let v = req.headers[name];
  if (v === undefined) {
    const key = Object.keys(req.headers).find((k) => k.toLowerCase() === name);
    v = key === undefined ? undefined : req.headers[key];
  }
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

/** Whether `header` (`sha256=<hex>`) is the HMAC-SHA256 of `body` with `secret`, compared in constant time. */
export function hubSignatureMatches(secret: string, body: Buffer, header: string): boolean {
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header);
  if (!m || !secret) return false;
  const want = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(want, Buffer.from(m[1] as string, 'hex'));
}

/** A delivery whose payload does not have the documented shape (answered 400 with the message). */
export class PayloadError extends Error {}

/** `payload` as T when it matches `schema`; else throws PayloadError naming the event and the field. */
export function checkPayload<T>(schema: TSchema, payload: unknown, event: string): T {
  const problem = firstProblem(schema, payload);
  if (problem) throw new PayloadError(`${event} payload: ${problem}`);
  return payload as T;
}
