// Failed token authentications: a flood of bad tokens is answered 401 and summarised per
// client address in one log line per window (never any part of a token), and counted in /metrics.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../../src/config/load.js';
import { compose } from '../../../src/compose.js';
import { buildApp } from '../../../src/app.js';
import { createLogger } from '../../../src/log.js';
import { generateToken } from '../../../src/domain/tokens.js';

t.test('bad tokens: one summary per window with address and count, no token in the log', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pky-failed-auth-'));
  const file = join(dir, 'packyard.yaml');
  writeFileSync(file, `data_dir: "${join(dir, 'data')}"\nlog_level: info\n`);
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(...String(chunk).split('\n').filter(Boolean)); done(); } });
  const deps = compose(loadConfig({ file, env: {} }), { log: createLogger('info', sink), processMetrics: false });
  const app = await buildApp(deps);
  t.teardown(async () => {
    await app.close();
    deps.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const wellFormed = generateToken('user');
  const garbage = 'not-a-packyard-token-SECRETSECRET';
  const basic = (s: string) => `Basic ${Buffer.from(`token:${s}`).toString('base64')}`;
  for (let i = 0; i < 7; i++) {
    const res = await app.inject({ url: '/acme/packages.json', headers: { authorization: basic(wellFormed) } });
    t.equal(res.statusCode, 401);
  }
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ url: '/api/acme/packages/a/b/update', method: 'POST', remoteAddress: '10.9.8.7', headers: { authorization: `Bearer ${garbage}` } });
    t.equal(res.statusCode, 401);
  }
  // No credentials at all: composer's first request; a 401 but not a failed authentication.
  t.equal((await app.inject({ url: '/acme/packages.json' })).statusCode, 401);

  t.equal(lines.filter((l) => l.includes('failed token authentications')).length, 0, 'nothing logged per request');
  deps.failedAuth.flush();
  deps.failedAuth.flush(); // an empty window logs nothing
  const summaries = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'failed token authentications');
  t.equal(summaries.length, 1, 'one summary line');
  t.match(summaries[0], { level: 40, failures: 10, addresses: 2, top: [{ address: '127.0.0.1', count: 7 }, { address: '10.9.8.7', count: 3 }] });
  const all = lines.join('\n');
  t.notOk(all.includes(wellFormed.slice(4, 20)), 'no part of the token in the log');
  t.notOk(all.includes('SECRETSECRET'));

  const metrics = await app.inject({ url: '/metrics' });
  t.match(metrics.body, /packyard_auth_failures_total 10/);
});
