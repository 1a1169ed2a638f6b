// Counts failed token authentications per client address, so a flood of bad tokens is visible:
// one summary log line per window while there were failures (addresses and counts, never any
// part of a token) and a Prometheus counter. Bounded: at most `maxAddresses` distinct addresses
// per window, the rest counted together.
import type { Counter } from 'prom-client';
import type { Logger } from '../log.js';

export interface FailedAuthOptions {
  /** Length of a window (ms); one summary per window with failures. Default 60 s. */
  windowMs?: number;
  /** Distinct addresses kept per window; failures from more addresses count as "other". */
  maxAddresses?: number;
  /** Addresses named in the log line (the busiest first). */
  topAddresses?: number;
}

export class FailedAuthCounter {
  private readonly counts = new Map<string, number>();
  private other = 0;
  private total = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly topAddresses: number;

  constructor(
    private readonly log: Logger,
    private readonly metric: Counter,
    opts: FailedAuthOptions = {},
  ) {
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxAddresses = opts.maxAddresses ?? 1000;
    this.topAddresses = opts.topAddresses ?? 20;
  }

  /** One failed authentication (a token was sent and did not work) from `address`. */
  record(address: string): void {
    this.metric.inc();
    this.total++;
    const n = this.counts.get(address);
    if (n !== undefined) this.counts.set(address, n + 1);
    else if (this.counts.size < this.maxAddresses) this.counts.set(address, 1);
    else this.other++;
    // The window starts with its first failure; a quiet server runs no timer.
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.windowMs);
      this.timer.unref();
    }
  }

  /** Logs the window's summary (if it had failures) and starts a new window. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.total === 0) return;
    const top = [...this.counts].sort((a, b) => b[1] - a[1]).slice(0, this.topAddresses).map(([address, count]) => ({ address, count }));
    this.log.warn(
      { failures: this.total, addresses: this.counts.size + (this.other ? 1 : 0), top, ...(this.other ? { otherAddresses: this.other } : {}), windowSeconds: Math.round(this.windowMs / 1000) },
      'failed token authentications',
    );
    this.counts.clear();
    this.other = 0;
    this.total = 0;
  }

  /** Logs what is pending and stops the timer (server stop). */
  stop(): void {
    this.flush();
  }
}
