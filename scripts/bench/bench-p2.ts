// Benchmark 1: an authenticated p2 file under load (200 with gzip, and the If-Modified-Since
// 304 composer sends on every update), Packyard against nginx serving the very same bytes.
import { request } from 'node:http';
import { chmodSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startPackyard } from '../../test/helpers/packyard.js';
import { makeTempDir, removeDir } from '../../test/helpers/git-repo.js';
import type { BuiltCli } from './cli-build.js';
import { generateP2Fixture } from './fixture-repos.js';
import { cpus } from 'node:os';
import { freePort, median, ok, type Teardowns } from './lib.js';
import { startNginx } from './nginx.js';
import { startBaseline } from './baseline-server.js';
import type { BenchResult, Row } from './report.js';
import { runWrk, type WrkResult } from './wrk.js';

interface Raw {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One GET that keeps the body as sent (node's fetch would inflate gzip). */
function getRaw(url: string, headers: Record<string, string>): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h[k] = v;
        resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout on ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`p2 benchmark setup check failed: ${what}`);
}

export interface P2Options {
  td: Teardowns;
  cli: BuiltCli;
  reps: number;
  seconds: number;
  log: (line: string) => void;
}

export async function benchP2(o: P2Options): Promise<BenchResult> {
  const td = o.td;
  const work = await makeTempDir('pky-bench-p2-');
  td.teardown(() => removeDir(work));
  const fixture = await generateP2Fixture(work);
  const pky = await startPackyard(td);
  ok(await o.cli.run(pky.configFile, ['org', 'create', 'bench']), 'org create');
  ok(await o.cli.run(pky.configFile, ['package', 'add', '--org', 'bench', fixture.bare]), 'package add');
  const token = ok(await o.cli.run(pky.configFile, ['token', 'create', '--org', 'bench', '--name', 'bench']), 'token create').stdout.trim();
  const path = `/bench/p2/${fixture.name}.json`;
  const pkyUrl = `${pky.url}${path}`;
  const auth = { Authorization: `Bearer ${token}` };

  const gz = await getRaw(pkyUrl, { ...auth, 'Accept-Encoding': 'gzip' });
  const plain = await getRaw(pkyUrl, auth);
  check(gz.status === 200 && gz.headers['content-encoding'] === 'gzip', `Packyard gzip answer (${gz.status})`);
  check(gunzipSync(gz.body).equals(plain.body), 'Packyard gzip bytes inflate to its JSON');
  const lastModified = gz.headers['last-modified'] as string;
  const versions = Object.values((JSON.parse(plain.body.toString()) as { packages: Record<string, unknown[]> }).packages)[0]?.length ?? 0;

  // nginx serves the same two files (JSON and Packyard's own gzip), with the same mtime.
  const root = join(work, 'nginx', 'www');
  // nginx's worker runs as nobody under a root master: it must be able to reach the files.
  chmodSync(work, 0o755);
  const dir = join(root, 'bench', 'p2', 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(root, path.slice(1));
  writeFileSync(file, plain.body, { mode: 0o644 });
  writeFileSync(`${file}.gz`, gz.body, { mode: 0o644 });
  const mtime = new Date(lastModified);
  utimesSync(file, mtime, mtime);
  utimesSync(`${file}.gz`, mtime, mtime);
  const port = await freePort();
  const nginx = await startNginx({
    prefix: join(work, 'nginx'),
    root,
    port,
    addHeaders: { 'Cache-Control': 'private, no-cache', Vary: 'Authorization, Accept-Encoding', 'X-Content-Type-Options': 'nosniff' },
  });
  td.teardown(() => nginx.stop());
  const ngUrl = `http://127.0.0.1:${port}${path}`;
  const ngGz = await getRaw(ngUrl, { ...auth, 'Accept-Encoding': 'gzip' });
  check(ngGz.status === 200 && ngGz.body.equals(gz.body), `nginx sends the same gzip bytes (${ngGz.status}, ${ngGz.body.length} B)`);
  check(ngGz.headers['last-modified'] === lastModified, `same Last-Modified (${ngGz.headers['last-modified']} vs ${lastModified})`);
  check((ngGz.headers['content-type'] ?? '').startsWith('application/json'), 'nginx Content-Type application/json');
  const baseline = await startBaseline(path, { gzip: gz.body, lastModified });
  td.teardown(() => baseline.close());
  const ims = { ...auth, 'Accept-Encoding': 'gzip', 'If-Modified-Since': lastModified };
  const p304 = await getRaw(pkyUrl, ims);
  const n304 = await getRaw(ngUrl, ims);
  check(p304.status === 304 && p304.body.length === 0, `Packyard 304 (${p304.status})`);
  check(n304.status === 304 && n304.body.length === 0, `nginx 304 (${n304.status})`);
  o.log(`p2: ${versions} versions in the tags file, ${plain.body.length} B JSON, ${gz.body.length} B gzip; Packyard ${pkyUrl}, nginx ${ngUrl}`);

  const paths = [
    { key: '200', label: '200 (gzip body)', headers: { ...auth, 'Accept-Encoding': 'gzip' } },
    { key: '304', label: '304 (If-Modified-Since)', headers: ims },
  ];
  const rows: Row[] = [];
  const details: string[] = [
    `Setup: one organization, one package (${fixture.tags} tags and branches ${fixture.branches.join(', ')}; the tags file holds ${versions} versions,`,
    `${plain.body.length} B of JSON, ${gz.body.length} B gzipped), an organization token sent as \`Authorization: Bearer\`.`,
    `Packyard runs in one node process; nginx runs one worker (\`worker_processes 1\`), \`gzip_static\` serving Packyard's own`,
    `gzip bytes with the same mtime, Content-Type, Cache-Control and Vary; its access log is on (buffered) and it checks no token.`,
    `Load: \`wrk -t2 -c32 -d${o.seconds}s --latency\` on the same machine (wrk and the server share its ${cpus().length} CPUs).`,
    '',
    '| path | run | Packyard req/s | Packyard p99 | nginx req/s | nginx p99 |',
    '|---|---|---:|---:|---:|---:|',
  ];
  const baselines: string[] = [];
  for (const p of paths) {
    // Warm-up: JIT, connection set-up, page cache; not counted.
    await runWrk({ url: pkyUrl, headers: p.headers, seconds: 2 });
    await runWrk({ url: ngUrl, headers: p.headers, seconds: 2 });
    const pk: WrkResult[] = [];
    const ng: WrkResult[] = [];
    for (let i = 0; i < o.reps; i++) {
      // Interleaved, so drift in the machine's speed hits both sides alike.
      pk.push(await runWrk({ url: pkyUrl, headers: p.headers, seconds: o.seconds }));
      ng.push(await runWrk({ url: ngUrl, headers: p.headers, seconds: o.seconds }));
      const a = pk[i] as WrkResult;
      const b = ng[i] as WrkResult;
      o.log(`p2 ${p.key} run ${i + 1}: Packyard ${a.requestsPerSec.toFixed(0)} req/s p99 ${a.p99Ms.toFixed(2)} ms; nginx ${b.requestsPerSec.toFixed(0)} req/s p99 ${b.p99Ms.toFixed(2)} ms`);
      details.push(`| ${p.key} | ${i + 1} | ${a.requestsPerSec.toFixed(0)} | ${a.p99Ms.toFixed(2)} ms | ${b.requestsPerSec.toFixed(0)} | ${b.p99Ms.toFixed(2)} ms |`);
    }
    // One run of the bare-fastify ceiling (information only, not a reference for the goal).
    await runWrk({ url: baseline.url, headers: p.headers, seconds: 2 });
    const fy = await runWrk({ url: baseline.url, headers: p.headers, seconds: o.seconds });
    o.log(`p2 ${p.key} bare fastify: ${fy.requestsPerSec.toFixed(0)} req/s p99 ${fy.p99Ms.toFixed(2)} ms`);
    baselines.push(`${p.key}: ${fy.requestsPerSec.toFixed(0)} req/s, p99 ${fy.p99Ms.toFixed(2)} ms`);
    const pkRps = median(pk.map((r) => r.requestsPerSec));
    const ngRps = median(ng.map((r) => r.requestsPerSec));
    const ratio = pkRps / ngRps;
    rows.push({
      bench: `p2 ${p.label}`,
      measure: 'requests/s (median)',
      packyard: pkRps.toFixed(0),
      reference: `${ngRps.toFixed(0)} (nginx)`,
      ratio,
      goal: '≥ 0.5× nginx',
      met: ratio >= 0.5,
    });
    rows.push({
      bench: `p2 ${p.label}`,
      measure: 'p99 latency (median)',
      packyard: `${median(pk.map((r) => r.p99Ms)).toFixed(2)} ms`,
      reference: `${median(ng.map((r) => r.p99Ms)).toFixed(2)} ms (nginx)`,
      ratio: null,
      goal: '–',
      met: null,
    });
  }
  details.push(
    '',
    `For reading the ratio: a bare fastify route (this process, no token, no database) sending the same bytes and headers,`,
    `one run each: ${baselines.join('; ')}.`,
  );
  return { title: 'p2 metadata with auth under load', rows, details };
}
