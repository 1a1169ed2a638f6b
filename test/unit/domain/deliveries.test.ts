import t from 'tap';
import { deliveryConcerns, replayTargetOf, sourceCovers } from '../../../src/domain/deliveries.js';

t.test('replayTargetOf: the update of this organization first, then its sync', async (t) => {
  const targets = { updates: [{ org: 'a', packageId: 1 }, { org: 'b', packageId: 2 }], syncs: ['c'] };
  t.same(replayTargetOf(targets, 'b'), { kind: 'update', packageId: 2 });
  t.same(replayTargetOf(targets, 'c'), { kind: 'sync' });
  t.equal(replayTargetOf(targets, 'd'), null);
  t.equal(replayTargetOf({}, 'a'), null);
});

t.test('deliveryConcerns: queued work, then the repository, then integration-wide events', async (t) => {
  const isRepo = (name: string) => name === 'a/app';
  t.ok(deliveryConcerns({ syncs: ['a', 'b'] }, 'b', isRepo));
  t.notOk(deliveryConcerns({ syncs: ['a'] }, 'b', isRepo));
  t.ok(deliveryConcerns({ updates: [{ org: 'b', packageId: 1 }] }, 'b', isRepo));
  t.ok(deliveryConcerns({ repo: 'a/app' }, 'x', isRepo), 'one of its repositories that is not a package');
  t.notOk(deliveryConcerns({ repo: 'z/app' }, 'x', isRepo));
  t.ok(deliveryConcerns({}, 'x', isRepo), 'a ping concerns everyone on the integration');
  t.notOk(deliveryConcerns({ syncs: [] }, 'x', isRepo), 'a sync of nobody concerns nobody');
});

t.test('a check of one repository: replayed as the sync it stands for, concerns the orgs checking', async (t) => {
  const isRepo = () => false;
  t.same(replayTargetOf({ checks: ['a'], repo: 'a/lib' }, 'a'), { kind: 'sync' });
  t.equal(replayTargetOf({ checks: ['a'], repo: 'a/lib' }, 'b'), null);
  t.ok(deliveryConcerns({ checks: ['a'], repo: 'a/lib' }, 'a', isRepo));
  t.notOk(deliveryConcerns({ checks: [] }, 'a', isRepo), 'a check by nobody concerns nobody');
});

t.test('sourceCovers: the owner, a group above, one of several sources; case-insensitive', async (t) => {
  t.ok(sourceCovers('acme', 'acme/app'));
  t.ok(sourceCovers('Acme', 'ACME/app'));
  t.notOk(sourceCovers('acme', 'acme-labs/app'), 'a prefix of another owner is not it');
  t.notOk(sourceCovers('acme', 'other/acme'));
  t.ok(sourceCovers('acme', 'acme/platform/app'), 'GitLab: a project in a subgroup of the source group');
  t.notOk(sourceCovers('acme/platform', 'acme/app'), 'GitLab: not above the source group');
  t.ok(sourceCovers('PAY, WEB', 'web/site'), 'several sources');
  t.notOk(sourceCovers('', 'x/app'));
});
