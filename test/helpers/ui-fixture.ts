// A Packyard with users in every relation to two organizations, for the UI tests:
// root (instance admin), alice (member of the unsynced "acme"), eve (no organization), and in
// the synced "corp": frank (owner), carol (member, in the team that may read corp/shared),
// dave (member in no team). acme/foo is a real git import with a hostile description.
import { join } from 'node:path';
import { startPackyard, type TestPackyardOptions } from './packyard.js';
import { createGitRepo, makeTempDir, removeDir } from './git-repo.js';
import { createUser } from '../../src/services/users.js';
import { addOrgMember, createOrg } from '../../src/services/orgs.js';

export const PASSWORD = 'correct horse battery';
export const XSS = '<script>alert(1)</script>';

const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;

export async function uiFixture(t: { teardown(fn: () => unknown): void }, opts: TestPackyardOptions = {}) {
  const work = await makeTempDir('pky-ui-');
  t.teardown(() => removeDir(work));
  const repo = await createGitRepo(join(work, 'foo'), { defaultBranch: 'main' });
  await repo.commit({ 'composer.json': json({ name: 'acme/foo', description: `Foo ${XSS}`, require: { php: '>=8.1' } }) }, 'one');
  await repo.tag('v1.0.0');
  await repo.commit({ 'composer.json': '{"name": "acme/foo",,}' }, 'broken');
  await repo.tag('v1.1.0');
  await repo.commit({ 'composer.json': json({ name: 'acme/foo', description: `Foo ${XSS}`, require: { php: '>=8.2' } }) }, 'two');
  const pky = await startPackyard(t, opts);
  const db = pky.deps.db;
  const sqlite = pky.deps.sqlite;
  for (const [login, admin] of [['root', true], ['alice', false], ['eve', false], ['frank', false], ['carol', false], ['dave', false]] as const) {
    createUser(db, login, { admin, password: PASSWORD }, 'test');
  }
  createOrg(db, 'acme', 'test');
  addOrgMember(db, 'acme', 'alice', 'member', 'test');
  const add = await pky.cli(['package', 'add', '--org', 'acme', repo.dir]);
  if (add.code !== 0) throw new Error(`package add failed: ${add.stderr}`);

  const corp = createOrg(db, 'corp', 'test', { sync: { integration: 'ghe', source: 'corp' } });
  const now = Date.now();
  const uid = (login: string) => (sqlite.prepare('SELECT id FROM users WHERE login = ?').get(login) as { id: number }).id;
  const member = sqlite.prepare(`INSERT INTO org_members (org_id, user_id, role, source, created_at) VALUES (?, ?, ?, 'sync', ?)`);
  member.run(corp.id, uid('frank'), 'owner', now);
  member.run(corp.id, uid('carol'), 'member', now);
  member.run(corp.id, uid('dave'), 'member', now);
  const pkg = sqlite.prepare(`INSERT INTO packages (org_id, name, url, vcs_type, status, created_at) VALUES (?, ?, ?, 'git', 'ok', ?) RETURNING id`);
  const shared = (pkg.get(corp.id, 'corp/shared', 'https://git.example/corp/shared.git', now) as { id: number }).id;
  pkg.get(corp.id, 'corp/secret', 'https://git.example/corp/secret.git', now);
  const team = (sqlite.prepare(`INSERT INTO teams (org_id, slug, name, created_at) VALUES (?, 'devs', 'Devs', ?) RETURNING id`).get(corp.id, now) as { id: number }).id;
  sqlite.prepare(`INSERT INTO team_members (team_id, user_id, role) VALUES (?, ?, 'member')`).run(team, uid('carol'));
  sqlite.prepare(`INSERT INTO package_access (package_id, team_id, permission, source, created_at) VALUES (?, ?, 'pull', 'sync', ?)`).run(shared, team, now);
  // A skipped ref whose reason carries markup (reasons quote forge and repository text).
  const fooId = (sqlite.prepare(`SELECT id FROM packages WHERE name = 'acme/foo'`).get() as { id: number }).id;
  sqlite.prepare(`INSERT INTO package_refs (package_id, kind, name, "commit", version, skip_reason) VALUES (?, 'tag', 'evil', ?, NULL, ?)`)
    .run(fooId, 'a'.repeat(40), `bad ${XSS} ref`);
  return { pky, app: pky.server!.app, repo, fooId };
}
