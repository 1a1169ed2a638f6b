// /metrics: Prometheus text with route-pattern labels, stored-state gauges, hook and job
// metrics; readable with the configured Bearer token, or from loopback when none is set.
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPackyard } from '../../helpers/packyard.js';
import { buildApp } from '../../../src/app.js';
import { HOUSEKEEPING } from '../../../src/jobs/housekeeping.js';
import { runOrWait } from '../../../src/jobs/wait.js';

t.test('metrics from loopback without a token', async (t) => {
  const pky = await startPackyard(t);
  // Some traffic first: a composer request (by route pattern), an unknown hook, a job.
  t.equal((await fetch(`${pky.url}/acme/packages.json`)).status, 401);
  t.equal((await fetch(`${pky.url}/hooks/generic/nope`, { method: 'POST' })).status, 404);
  const { job } = pky.deps.queue.enqueue({ type: HOUSEKEEPING, lockKey: HOUSEKEEPING, trigger: 'test' });
  const done = await runOrWait(pky.deps.queue, pky.deps.runner, job.id, 30_000);
  t.equal(done.status, 'done');
  mkdirSync(join(pky.deps.paths.dists, '1'), { recursive: true });
  writeFileSync(join(pky.deps.paths.dists, '1', 'x.zip'), Buffer.alloc(1234));

  const res = await fetch(`${pky.url}/metrics`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  t.match(text, /packyard_http_requests_total\{route="\/:org\/packages\.json",method="GET",status="401"\} 1/, 'requests by route pattern');
  t.notMatch(text, /route="\/acme/, 'never the raw URL');
  t.match(text, /packyard_http_request_duration_seconds_bucket\{le="[^"]+",route="\/:org\/packages\.json",method="GET"\}/);
  t.match(text, /packyard_webhook_deliveries_total\{integration="generic",outcome="unknown_token"\} 1/);
  t.match(text, /packyard_job_duration_seconds_count\{type="housekeeping",outcome="done"\} 1/);
  t.match(text, /packyard_job_queue_depth\{status="queued"\} 0/);
  t.match(text, /packyard_job_queue_depth\{status="done"\} 1/);
  t.match(text, /packyard_packages\{status="ok"\} 0/);
  t.match(text, /packyard_disk_usage_bytes\{part="dists"\} 1234/);
  t.match(text, /packyard_disk_usage_bytes\{part="database"\} [1-9]/);
  t.match(text, /# TYPE packyard_sync_runs_total counter/);
  t.match(text, /# TYPE packyard_forge_api_requests_total counter/);
  t.match(text, /# TYPE packyard_forge_rate_limit_remaining gauge/);
  t.match(text, /packyard_process_cpu_user_seconds_total/, 'process metrics');

  // Disk use is cached: a new file is not seen until the cache expires.
  writeFileSync(join(pky.deps.paths.dists, '1', 'y.zip'), Buffer.alloc(1000));
  t.match(await (await fetch(`${pky.url}/metrics`)).text(), /packyard_disk_usage_bytes\{part="dists"\} 1234/);

  // Through a proxy (X-Forwarded-For) or from another address: refused.
  t.equal((await fetch(`${pky.url}/metrics`, { headers: { 'X-Forwarded-For': '127.0.0.1' } })).status, 403);
  const app = await buildApp(pky.deps);
  t.teardown(() => app.close());
  t.equal((await app.inject({ url: '/metrics', remoteAddress: '10.1.2.3' })).statusCode, 403);
  t.equal((await app.inject({ url: '/metrics', remoteAddress: '::1' })).statusCode, 200);
});

t.test('metrics with server.metrics_token: Bearer required, from anywhere', async (t) => {
  const pky = await startPackyard(t, { listen: false });
  const token = 'm'.repeat(24);
  const config = { ...pky.config, server: { ...pky.config.server, metrics_token: token } };
  const app = await buildApp({ ...pky.deps, config });
  t.teardown(() => app.close());
  const none = await app.inject({ url: '/metrics' });
  t.equal(none.statusCode, 401, 'loopback alone is not enough');
  t.match(none.headers['www-authenticate'], /^Bearer/);
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}x` } })).statusCode, 401);
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: `Basic ${Buffer.from(`token:${token}`).toString('base64')}` } })).statusCode, 401);
  const ok = await app.inject({ url: '/metrics', remoteAddress: '10.1.2.3', headers: { authorization: `Bearer ${token}` } });
  t.equal(ok.statusCode, 200);
  t.match(ok.body, /packyard_job_queue_depth/);
});
