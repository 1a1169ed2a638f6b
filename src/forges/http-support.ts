// Small parts of the forge HTTP client: the ETag store and its in-memory LRU, the metrics hook,
// a semaphore, Link parsing and URL redaction for errors and logs.
import type { Metrics } from '../metrics.js';

/** A cached conditional response; `link` keeps the pagination header a 304 may not repeat. */
export interface EtagEntry {
  etag: string;
  body: Buffer;
  link?: string | null;
}

/** Where ETags and the bodies they name are kept (default: in-memory LRU; the integrator may use SQLite). */
export interface EtagStore {
  get(url: string): EtagEntry | undefined;
  set(url: string, etag: string, body: Buffer, link?: string | null): void;
}

/** Receives one call per HTTP exchange; feeds packyard_forge_api_requests_total and the rate-limit gauge. */
export interface ForgeMetricsHook {
  request(integration: string, status: string): void;
  rateLimitRemaining(integration: string, remaining: number): void;
}

/** A bounded in-memory LRU (Map keeps insertion order; a hit is re-inserted at the end). */
export function createMemoryEtagStore(maxEntries = 2000): EtagStore {
  const map = new Map<string, EtagEntry>();
  return {
    get(url) {
      const hit = map.get(url);
      if (hit) {
        map.delete(url);
        map.set(url, hit);
      }
      return hit;
    },
    set(url, etag, body, link) {
      map.delete(url);
      map.set(url, { etag, body, link: link ?? null });
      while (map.size > maxEntries) {
        const oldest = map.keys().next().value as string;
        map.delete(oldest);
      }
    },
  };
}

/** Feeds the forge metrics of a composed Metrics instance. */
export function forgeMetricsHook(metrics: Metrics): ForgeMetricsHook {
  return {
    request: (integration, status) => metrics.forgeApiRequests.inc({ integration, status }),
    rateLimitRemaining: (integration, remaining) => metrics.forgeRateLimitRemaining.set({ integration }, remaining),
  };
}

/** A counting semaphore: at most `limit` holders at once, FIFO. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

/** The URL as it may appear in errors and logs: no userinfo, no token-like query parameters. */
export function safeUrl(u: string | URL): string {
  try {
    const url = new URL(String(u));
    url.username = '';
    url.password = '';
    for (const k of [...url.searchParams.keys()]) {
      if (/token|secret|password|signature|key/i.test(k)) url.searchParams.set(k, 'redacted');
    }
    return url.toString();
  } catch {
    return '(invalid url)';
  }
}

/** Parses a Link header into rel -> URL. */
export function parseLink(header: string | undefined | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(',')) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (!m) continue;
    const rel = /rel="?([^";]+)"?/.exec(m[2] ?? '');
    if (rel?.[1]) for (const r of rel[1].trim().split(/\s+/)) out[r] = m[1] as string;
  }
  return out;
}

export function lower(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

/** The forge's own error message, short, for context (never echoes request headers). */
export function messageOf(body: Buffer): string {
  try {
    const j = JSON.parse(body.toString('utf8', 0, 4000)) as { message?: unknown };
    if (typeof j.message === 'string') return `: ${j.message.slice(0, 200)}`;
  } catch {
    /* not JSON */
  }
  return '';
}
