// When reconciliation checks a repository (not a package yet) for a composer.json again: new or
// never checked, pushed since; without a push time, once the last check is old enough.
import t from 'tap';
import { COMPOSER_RECHECK_UNKNOWN_PUSH_MS as AGE, composerCheckDue, composerCheckMark } from '../../../src/sync/plan.js';

const now = Date.parse('2026-06-01T12:00:00Z');
const checked = (composerCheckedAt: string | null, composer = 'no') => ({ composer, composerCheckedAt });

t.test('with a push time: new, unknown or pushed since', async (t) => {
  t.equal(composerCheckDue(undefined, '2026-05-01T00:00:00Z', now), true, 'a new repository');
  t.equal(composerCheckDue(checked('2026-05-01T00:00:00Z', 'unknown'), '2026-05-01T00:00:00Z', now), true, 'never checked');
  t.equal(composerCheckDue(checked('2026-05-01T00:00:00Z'), '2026-05-01T00:00:00Z', now), false, 'unchanged');
  t.equal(composerCheckDue(checked('2026-05-01T00:00:00Z'), '2026-05-02T00:00:00Z', now), true, 'pushed since');
  t.equal(composerCheckDue(checked(null), '2026-05-01T00:00:00Z', now), true, 'a push webhook cleared the mark');
  t.equal(composerCheckMark('2026-05-01T00:00:00Z', now), '2026-05-01T00:00:00Z');
});

t.test('without a push time: again once the last check is older than the interval', async (t) => {
  const mark = composerCheckMark(null, now);
  t.equal(mark, 'unknown@2026-06-01T12:00:00.000Z');
  t.equal(composerCheckDue(checked(mark), null, now + AGE - 1), false, 'a recent check stands');
  t.equal(composerCheckDue(checked(mark), null, now + AGE), true, 'an old one does not');
  t.equal(composerCheckDue(checked(''), null, now), true, "rows from before (checked at '') are checked again");
  t.equal(composerCheckDue(checked(null), null, now), true, 'a push webhook cleared the mark');
  t.equal(composerCheckDue(checked(mark), '2026-06-01T13:00:00Z', now), true, 'the forge now gives a push time');
});
