import t from 'tap';
import { can, canOnInstance, type OrgFacts, type Principal } from '../../../src/domain/policy.js';

const org = (o: Partial<OrgFacts> = {}): OrgFacts => ({ orgId: 1, synced: false, role: null, grantedPackageIds: new Set(), ...o });
const userToken = (o: Partial<Extract<Principal, { kind: 'token' }>> = {}): Principal => ({
  kind: 'token', tokenId: 1, tokenKind: 'user', userId: 7, orgId: null, scope: 'read', isAdmin: false, ...o,
});

t.test('members of an unsynced org read every package; outsiders none', async (t) => {
  t.ok(can(userToken(), 'package:read', { org: org({ role: 'member' }), packageId: 5 }));
  t.notOk(can(userToken(), 'package:read', { org: org(), packageId: 5 }));
  t.notOk(can(userToken(), 'org:read', { org: org() }));
});

t.test('synced org: members read only granted packages; owners all', async (t) => {
  const facts = org({ synced: true, role: 'member', grantedPackageIds: new Set([5]) });
  t.ok(can(userToken(), 'package:read', { org: facts, packageId: 5 }));
  t.notOk(can(userToken(), 'package:read', { org: facts, packageId: 6 }));
  t.ok(can(userToken(), 'package:read', { org: org({ synced: true, role: 'owner' }), packageId: 6 }));
});

t.test('org tokens read their own org only; narrowed user tokens too', async (t) => {
  const ci = userToken({ tokenKind: 'org', userId: null, orgId: 1 });
  t.ok(can(ci, 'package:read', { org: org(), packageId: 3 }));
  t.notOk(can(ci, 'package:read', { org: org({ orgId: 2 }), packageId: 3 }));
  t.notOk(can(userToken({ orgId: 2 }), 'package:read', { org: org({ role: 'member' }), packageId: 3 }));
});

t.test('update needs scope update and read access', async (t) => {
  t.notOk(can(userToken(), 'package:update', { org: org({ role: 'member' }), packageId: 3 }));
  t.ok(can(userToken({ scope: 'update' }), 'package:update', { org: org({ role: 'member' }), packageId: 3 }));
  t.notOk(can(userToken({ scope: 'update' }), 'package:update', { org: org(), packageId: 3 }));
});

t.test('instance admins read everything; tokens never manage', async (t) => {
  t.ok(can(userToken({ isAdmin: true }), 'package:read', { org: org({ synced: true }), packageId: 9 }));
  t.notOk(can(userToken({ isAdmin: true }), 'org:manage', { org: org() }));
  t.ok(can({ kind: 'user', userId: 1, isAdmin: true }, 'org:manage', { org: org() }));
});

t.test('only instance admins signed in as users create organizations', async (t) => {
  t.ok(canOnInstance({ kind: 'user', userId: 1, isAdmin: true }, 'org:create'));
  t.notOk(canOnInstance({ kind: 'user', userId: 2, isAdmin: false }, 'org:create'));
  t.notOk(canOnInstance(userToken({ isAdmin: true }), 'org:create'), 'not with an admin\'s token');
  t.ok(canOnInstance({ kind: 'system', name: 'config' }, 'org:create'));
});

t.test('removals: owners and admins; members and tokens never', async (t) => {
  const user = (isAdmin = false): Principal => ({ kind: 'user', userId: 1, isAdmin });
  const owner = org({ role: 'owner' });
  const member = org({ role: 'member' });
  for (const action of ['token:manage', 'package:remove', 'member:remove'] as const) {
    t.ok(can(user(), action, { org: owner }), `owner: ${action}`);
    t.ok(can(user(true), action, { org: org() }), `admin: ${action}`);
    t.notOk(can(user(), action, { org: member }), `member: ${action}`);
    t.notOk(can(user(), action, { org: org() }), `outsider: ${action}`);
    t.notOk(can(userToken({ isAdmin: true }), action, { org: owner }), `token: ${action}`);
  }
  t.ok(can(user(), 'package:manage', { org: member }), 'members of an unsynced org add packages…');
  t.notOk(can(user(), 'package:remove', { org: member }), '…but do not remove them');
  t.notOk(can(user(), 'member:remove', { org: org({ synced: true, role: 'owner' }) }), 'a synced org takes its members from the forge');
  t.notOk(can(user(true), 'member:remove', { org: org({ synced: true }) }), 'not even an admin removes a synced member');
  t.ok(can(user(), 'package:remove', { org: org({ synced: true, role: 'owner' }) }));
});

t.test('instance admins (signed in, not by token) delete organizations and manage users and all tokens', async (t) => {
  for (const action of ['org:delete', 'user:manage', 'token:manage'] as const) {
    t.ok(canOnInstance({ kind: 'user', userId: 1, isAdmin: true }, action), action);
    t.notOk(canOnInstance({ kind: 'user', userId: 2, isAdmin: false }, action), action);
    t.notOk(canOnInstance(userToken({ isAdmin: true }), action), action);
  }
});

t.test('members of an unsynced org add packages, but only owners and admins attach credentials', async (t) => {
  const user = (isAdmin = false): Principal => ({ kind: 'user', userId: 3, isAdmin });
  t.ok(can(user(), 'package:manage', { org: org({ role: 'member' }) }), 'a member adds packages');
  t.notOk(can(user(), 'package:credential', { org: org({ role: 'member' }) }), 'a member picks no credential');
  t.ok(can(user(), 'package:credential', { org: org({ role: 'owner' }) }));
  t.ok(can(user(), 'package:credential', { org: org({ role: 'owner', synced: true }) }));
  t.ok(can(user(true), 'package:credential', { org: org() }));
  t.notOk(can(user(), 'package:credential', { org: org() }));
  t.notOk(can(userToken({ isAdmin: true, scope: 'update' }), 'package:credential', { org: org({ role: 'owner' }) }), 'never a token');
});

t.test('a reader of a synced org who is no member: their packages and a token, nothing else', async (t) => {
  const user: Principal = { kind: 'user', userId: 9, isAdmin: false };
  const reader = org({ synced: true, role: null, grantedPackageIds: new Set([5]) });
  t.ok(can(user, 'org:read', { org: reader }), 'sees the organization (their packages only)');
  t.ok(can(user, 'package:read', { org: reader, packageId: 5 }));
  t.notOk(can(user, 'package:read', { org: reader, packageId: 6 }), 'no other package');
  t.ok(can(user, 'token:create', { org: reader }), 'may create a token for it');
  for (const action of ['org:members', 'org:manage', 'token:manage', 'package:manage', 'package:remove', 'package:diagnose', 'member:remove'] as const) {
    t.notOk(can(user, action, { org: reader }), `no ${action}`);
  }
  // Their token narrowed to the org reads what they read.
  const token = userToken({ userId: 9, orgId: 1 });
  t.ok(can(token, 'package:read', { org: reader, packageId: 5 }));
  t.notOk(can(token, 'package:read', { org: reader, packageId: 6 }));
  t.notOk(can(token, 'token:create', { org: reader }), 'a token creates no token');
  t.notOk(can(userToken({ userId: 9, orgId: 2 }), 'package:read', { org: reader, packageId: 5 }), 'a token narrowed to another org reads nothing here');

  t.notOk(can(user, 'token:create', { org: org({ synced: true }) }), 'reading nothing: no token');
  t.notOk(can(user, 'token:create', { org: org({ synced: false, grantedPackageIds: new Set([5]) }) }), 'an unsynced org has no such readers');
});

t.test('members and teams: members, owners and admins signed in', async (t) => {
  const user = (isAdmin = false): Principal => ({ kind: 'user', userId: 3, isAdmin });
  t.ok(can(user(), 'org:members', { org: org({ synced: true, role: 'member' }) }));
  t.ok(can(user(), 'org:members', { org: org({ synced: true, role: 'owner' }) }));
  t.ok(can(user(true), 'org:members', { org: org({ synced: true }) }));
  t.notOk(can(user(), 'org:members', { org: org({ synced: true }) }));
  t.notOk(can(userToken({ tokenKind: 'org', orgId: 1 }), 'org:members', { org: org({ synced: true }) }), 'never a token');
});
