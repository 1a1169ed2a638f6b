// Upgrade path: a data directory written by an earlier schema (committed fixtures, one per
// schema generation) is migrated by this version at start-up and serves the same data.
import t from 'tap';
import { cpSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startPackyard } from '../../helpers/packyard.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { pendingMigrations } from '../../../src/db/client.js';

const FIXTURES = resolve(import.meta.dirname, '..', '..', 'fixtures', 'upgrade');

for (const generation of readdirSync(FIXTURES).filter((d) => d.startsWith('schema-'))) {
  t.test(`a data directory made by ${generation} is migrated and served`, async (t) => {
    const dir = await makeTempDir('pky-upgrade-');
    t.teardown(() => removeDir(dir));
    mkdirSync(join(dir, 'data'));
    cpSync(join(FIXTURES, generation, 'packyard.db'), join(dir, 'data', 'packyard.db'));
    cpSync(join(FIXTURES, generation, 'secret.key'), join(dir, 'data', 'secret.key'));
    const facts = JSON.parse(readFileSync(join(FIXTURES, generation, 'facts.json'), 'utf8')) as { token: string; org: string; package: string; p2Tags: unknown };
    const pky = await startPackyard(t, { reuseDir: dir });
    t.equal(pendingMigrations(pky.deps.sqlite), 0, 'every migration applied');
    t.equal(pky.deps.sqlite.pragma('integrity_check', { simple: true }), 'ok');
    const r = await pky.server!.app.inject({ url: `/${facts.org}/p2/${facts.package}.json`, headers: { authorization: `Bearer ${facts.token}` } });
    t.equal(r.statusCode, 200, 'the old token still works');
    const norm = (v: unknown) => JSON.stringify(v).replace(/http:\/\/127\.0\.0\.1:\d+/g, 'URL');
    t.equal(norm(r.json()), norm(facts.p2Tags), 'the same metadata (re-rendered for this public_url)');
    const ready = await pky.server!.app.inject({ url: '/readyz' });
    t.equal(ready.statusCode, 200);
  });
}
