// Prometheus metrics: one Registry per composed instance (no global default registry). Gauges
// that describe stored state (queue depth, packages, disk use) are read on scrape through the
// sources given here, so this module stays a leaf that imports neither the database nor routes.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const JOB_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export const PACKAGE_STATUSES = ['new', 'ok', 'error'] as const;
export const DISK_PARTS = ['database', 'mirrors', 'dists'] as const;
export type DiskPart = (typeof DISK_PARTS)[number];

export interface MetricSources {
  /** Jobs per status, from the jobs table. */
  jobsByStatus(): Partial<Record<string, number>>;
  /** Packages per status, from the packages table. */
  packagesByStatus(): Partial<Record<string, number>>;
  /** Bytes used by each part of data_dir (cached by the caller: walking mirrors is slow). */
  diskUsage(): Promise<Record<DiskPart, number>>;
}

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'method' | 'status'>;
  httpDuration: Histogram<'route' | 'method'>;
  jobDuration: Histogram<'type' | 'outcome'>;
  syncRuns: Counter<'integration' | 'outcome'>;
  webhookDeliveries: Counter<'integration' | 'outcome'>;
  forgeApiRequests: Counter<'integration' | 'status'>;
  forgeRateLimitRemaining: Gauge<'integration'>;
  authFailures: Counter;
}

export interface MetricsOptions {
  /** prom-client's process metrics (CPU, memory, event loop, handles); the server wants them. */
  defaultMetrics?: boolean;
}

export function createMetrics(sources: MetricSources, opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'packyard_' });
  const registers = [registry];

  const httpRequests = new Counter({
    name: 'packyard_http_requests_total',
    help: 'HTTP requests by route pattern, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'packyard_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern and method',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const jobDuration = new Histogram({
    name: 'packyard_job_duration_seconds',
    help: 'Job run time by type and outcome (done, failed, retry, released)',
    labelNames: ['type', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers,
  });
  const syncRuns = new Counter({
    name: 'packyard_sync_runs_total',
    help: 'Organization sync runs by integration and outcome',
    labelNames: ['integration', 'outcome'] as const,
    registers,
  });
  const webhookDeliveries = new Counter({
    name: 'packyard_webhook_deliveries_total',
    help: 'Webhook deliveries received, by integration (or "generic") and outcome',
    labelNames: ['integration', 'outcome'] as const,
    registers,
  });
  const forgeApiRequests = new Counter({
    name: 'packyard_forge_api_requests_total',
    help: 'Forge API requests by integration and HTTP status',
    labelNames: ['integration', 'status'] as const,
    registers,
  });
  const forgeRateLimitRemaining = new Gauge({
    name: 'packyard_forge_rate_limit_remaining',
    help: 'Remaining forge API rate limit as last reported by the forge',
    labelNames: ['integration'] as const,
    registers,
  });

  const authFailures = new Counter({
    name: 'packyard_auth_failures_total',
    help: 'Requests with a token that was invalid, expired or revoked (answered 401); per-address counts are logged',
    registers,
  });

  new Gauge({
    name: 'packyard_job_queue_depth',
    help: 'Jobs in the jobs table by status',
    labelNames: ['status'] as const,
    registers,
    collect() {
      const counts = sources.jobsByStatus();
      for (const s of JOB_STATUSES) this.set({ status: s }, counts[s] ?? 0);
    },
  });
  new Gauge({
    name: 'packyard_packages',
    help: 'Packages by status',
    labelNames: ['status'] as const,
    registers,
    collect() {
      const counts = sources.packagesByStatus();
      for (const s of PACKAGE_STATUSES) this.set({ status: s }, counts[s] ?? 0);
    },
  });
  new Gauge({
    name: 'packyard_disk_usage_bytes',
    help: 'Bytes used under data_dir by part (computed at most once a minute)',
    labelNames: ['part'] as const,
    registers,
    async collect() {
      const usage = await sources.diskUsage();
      for (const p of DISK_PARTS) this.set({ part: p }, usage[p]);
    },
  });

  return { registry, httpRequests, httpDuration, jobDuration, syncRuns, webhookDeliveries, forgeApiRequests, forgeRateLimitRemaining, authFailures };
}

/** How a finished job ended, from its row after the run. */
export function jobOutcome(status: string): string {
  switch (status) {
    case 'done':
      return 'done';
    case 'failed':
      return 'failed';
    case 'queued':
      return 'retry';
    default:
      // Still 'running' under another owner, or released on stop: this process lost the lease.
      return 'released';
  }
}
