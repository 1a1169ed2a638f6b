// Audit rows to named parts: which ids a page uses, and how each writer's encoding reads back.
import t from 'tap';
import { auditRefs, nameAuditRow, type AuditNames, type RawAuditRow } from '../../../src/services/audit-names.js';

const row = (action: string, target: string, details: unknown = null): RawAuditRow => ({
  id: 1, at: 0, actor: 'sync:ghe', action, target, details: details === null ? null : typeof details === 'string' ? details : JSON.stringify(details),
});

const names: AuditNames = {
  teams: new Map([['t1', 'Core']]),
  users: new Map([['u1', 'frank']]),
  repos: new Map([['r1', 'corp/tool']]),
  packages: new Map([[5, { name: 'corp/tool', url: 'https://x/tool.git' }], [6, { name: null, url: 'https://x/new.git' }]]),
};

t.test('refs: one set per kind for the whole page', async (t) => {
  const refs = auditRefs([
    row('access.grant', 'team:t1 repo:r1', { packageId: 5, permission: 'pull' }),
    row('access.grant', 'user:frank repo:r2', { packageId: 6 }),
    row('access.revoke', 'user:u1 repo:r1', { packageId: 5 }),
    row('team.member.add', 'carol', { team: 't2', role: 'member' }),
    row('package.add', 'https://x/y.git', 'not json'),
  ]);
  t.same([...refs.teams], ['t1', 't2']);
  t.same([...refs.users], ['u1'], 'grants store the login, revokes the forge id');
  t.same([...refs.repos], ['r1', 'r2']);
  t.same([...refs.packages], [5, 6]);
});

t.test('named rows', async (t) => {
  t.same(nameAuditRow(row('access.grant', 'team:t1 repo:r1', { packageId: 5, permission: 'pull' }), names).target,
    [{ text: 'team Core' }, { text: ' on ' }, { text: 'corp/tool' }]);
  t.same(nameAuditRow(row('access.grant', 'user:frank repo:r9'), names).target,
    [{ text: 'user frank' }, { text: ' on ' }, { text: 'repository #r9 (deleted)', gone: true }]);
  t.same(nameAuditRow(row('access.revoke', 'user:u1 repo:r1'), names).target[0], { text: 'user frank' });
  t.same(nameAuditRow(row('access.revoke', 'team:t7 repo:r1'), names).target[0], { text: 'team #t7 (deleted)', gone: true });
  t.same(nameAuditRow(row('access.revoke', 'team: repo:r1'), names).target[0], { text: 'team (unknown)', gone: true });
  t.same(nameAuditRow(row('member.add', 'team:t1 repo:r1'), names).target, [{ text: 'team:t1 repo:r1' }], 'only access rows are parsed');
  t.same(nameAuditRow(row('x', 't', { packageId: 5, team: 't1', job: 12, forgeLogin: 'f', sync: { integration: 'ghe' }, packageUrl: null }), names).details, [
    { key: 'package', value: [{ text: 'corp/tool', package: 'corp/tool' }] },
    { key: 'team', value: [{ text: 'Core' }] },
    { key: 'job', value: [{ text: '#12' }] },
    { key: 'forge login', value: [{ text: 'f' }] },
    { key: 'sync', value: [{ text: 'integration ghe' }] },
    { key: 'package url', value: [{ text: 'null' }] },
  ]);
  t.same(nameAuditRow(row('x', 't', { packageId: 6 }), names).details, [{ key: 'package', value: [{ text: 'https://x/new.git' }] }], 'unnamed: its URL');
  t.same(nameAuditRow(row('x', 't', { packageId: 7 }), names).details, [{ key: 'package', value: [{ text: 'package #7 (deleted)', gone: true }] }]);
  t.equal(nameAuditRow(row('x', 't', 'plain text'), names).details, 'plain text');
  t.equal(nameAuditRow(row('x', 't', '[1,2]'), names).details, '[1,2]', 'JSON that is not an object: as text');
  t.equal(nameAuditRow(row('x', 't'), names).details, null);
});
