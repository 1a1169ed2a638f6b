import t from 'tap';
import { deliveryConcerns, replayTargetOf } from '../../../src/domain/deliveries.js';

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
