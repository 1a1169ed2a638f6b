// The fake GHES most sync tests start from: one organization whose owner holds the sync token.
// Stopped when the test ends.
import type { Test } from 'tap';
import { startFakeGhes, type FakeGhes, type FakeGhesOptions, type GhesState } from '../fakes/ghes/index.js';

export async function startGhesOrg(t: Test, token: string, opts: { org?: string; owner?: string; ghes?: FakeGhesOptions } = {}): Promise<{ ghe: FakeGhes; s: GhesState }> {
  const org = opts.org ?? 'acme';
  const owner = opts.owner ?? 'owner';
  const ghe = await startFakeGhes(opts.ghes);
  t.teardown(() => ghe.close());
  const s = ghe.state;
  s.addUser(owner);
  s.addToken(token, owner);
  s.addOrg(org);
  s.addOrgMember(org, owner, 'admin');
  return { ghe, s };
}
