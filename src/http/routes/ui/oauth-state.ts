// The OAuth `state` of a forge sign-in, signed instead of stored: it carries the integration,
// `next`, the expiry and a tag of the "link" session under an HMAC, so starting a sign-in keeps
// nothing server-side. Only a state that passed every check is remembered (until it expires) so
// that it works once.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from './support.js';

export interface StateIntent {
  integration: string;
  next: string;
  /** Link mode: a tag of the session that started it (linkTag), else null. */
  link: string | null;
}

interface Payload {
  i: string;
  n: string;
  l: string | null;
  e: number;
  r: string;
}

/** What the state may carry of the session id (itself a sha256): never the id itself. */
export function linkTag(sessionId: string): string {
  return createHash('sha256').update(`packyard-oauth-link:${sessionId}`).digest('base64url').slice(0, 22);
}

export class OAuthStates {
  /** Per process, as the sessions of sign-ins under way were before: a restart ends them. */
  private readonly key = randomBytes(32);
  /** Used states (their random part) until they expire: a replayed callback is refused. */
  private readonly used = new Map<string, number>();
  private lastSweep = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new state: base64url(JSON).base64url(HMAC-SHA256). */
  issue(intent: StateIntent): string {
    const payload: Payload = { i: intent.integration, n: intent.next, l: intent.link, e: this.now() + this.ttlMs, r: randomBytes(16).toString('base64url') };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The intent of a state that is authentic, fresh, for this integration and not used before; marks it used. */
  take(state: string, integration: string): StateIntent | null {
    const dot = state.indexOf('.');
    if (dot <= 0) return null;
    const body = state.slice(0, dot);
    if (!safeEqual(state.slice(dot + 1), this.mac(body))) return null;
    let p: Payload;
    try {
      p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
    } catch {
      return null;
    }
    const now = this.now();
    if (typeof p.e !== 'number' || p.e <= now || p.i !== integration || typeof p.r !== 'string' || this.used.has(p.r)) return null;
    this.sweep(now);
    this.used.set(p.r, p.e);
    return { integration: p.i, next: typeof p.n === 'string' ? p.n : '/', link: typeof p.l === 'string' ? p.l : null };
  }

  /** How many used states are remembered (tests). */
  get remembered(): number {
    return this.used.size;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }

  /** Forgets expired used states, at most once a minute. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [r, exp] of this.used) if (exp <= now) this.used.delete(r);
  }
}
