// The appliance files that no other test reads: docs/admin.md's configuration reference against the
// schema, docker-compose.yml's shape (the promises), and the Dockerfile's contract.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Config } from '../../../src/config/schema.js';

function schemaPaths(): string[] {
  const out = new Set<string>();
  const walk = (s: unknown, p: string): void => {
    const o = s as { properties?: Record<string, unknown>; items?: unknown; anyOf?: unknown[] };
    if (o.properties) {
      for (const [k, v] of Object.entries(o.properties)) walk(v, p ? `${p}.${k}` : k);
      return;
    }
    if (o.items) return walk(o.items, `${p}[]`);
    const branch = o.anyOf?.find((a) => (a as { properties?: unknown }).properties);
    if (branch) return walk(branch, p);
    out.add(p);
  };
  walk(Config, '');
  return [...out];
}

t.test('docs/admin.md lists every configuration key of the schema', async (t) => {
  const doc = readFileSync('docs/admin.md', 'utf8');
  const paths = schemaPaths();
  t.ok(paths.length > 20, `${paths.length} keys`);
  for (const p of paths) t.ok(doc.includes(`| \`${p}\` |`), `admin.md documents ${p}`);
});

t.test('docker-compose.yml: one service, a named volume, read-only config, secrets', async (t) => {
  const c = parse(readFileSync('docker-compose.yml', 'utf8')) as {
    services: Record<string, { volumes: string[]; secrets?: string[]; environment: Record<string, string> }>;
    volumes: Record<string, unknown>;
    secrets: Record<string, { file: string }>;
  };
  const names = Object.keys(c.services);
  t.same(names, ['packyard'], 'exactly one service');
  const svc = c.services.packyard!;
  const [vol] = Object.keys(c.volumes);
  t.ok(vol && svc.volumes.includes(`${vol}:/data`), 'named volume on /data');
  t.ok(svc.volumes.some((v) => /:\/etc\/packyard\/packyard\.yaml:ro$/.test(v)), 'config mounted read-only');
  t.equal(svc.environment.PACKYARD_SECRET_KEY_FILE, '/run/secrets/packyard_secret_key', 'secret from a file');
  t.ok(svc.secrets?.includes('packyard_secret_key') && c.secrets.packyard_secret_key, 'secret declared');
  t.match(readFileSync('docker-compose.yml', 'utf8'), /#\s+caddy:[\s\S]*reverse-proxy/, 'commented TLS proxy example');
});

t.test('Dockerfile: base as a build argument, non-root fixed uid, /data, healthcheck, tini', async (t) => {
  const d = readFileSync('Dockerfile', 'utf8');
  t.match(d, /^ARG BASE=node:24-bookworm-slim$/m);
  t.ok((d.match(/^FROM \$\{?BASE\}?/gm) ?? []).length >= 2, 'build and runtime stages both from BASE');
  t.match(d, /^USER 10001:0$/m);
  t.match(d, /^VOLUME \/data$/m);
  t.match(d, /^HEALTHCHECK .*\n.*readyz/m);
  t.match(d, /^ENTRYPOINT \["tini", "--"/m);
  for (const pkg of ['git', 'mercurial', 'subversion', 'openssh-client', 'ca-certificates', 'tini']) {
    t.match(d, new RegExp(`\\b${pkg}\\b`), `runtime installs ${pkg}`);
  }
});
