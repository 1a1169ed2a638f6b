// The signed OAuth state of a forge sign-in: nothing is kept until a state is used; a used,
// tampered, expired or foreign state is refused; used states are forgotten once expired.
import t from 'tap';
import { linkTag, OAuthStates } from '../../../src/http/routes/ui/oauth-state.js';

const TTL = 10 * 60 * 1000;

t.test('issue keeps nothing; take accepts a state once', async (t) => {
  const states = new OAuthStates(TTL);
  const issued = Array.from({ length: 5000 }, (_, i) => states.issue({ integration: 'ghe', next: `/x${i}`, link: null }));
  t.equal(states.remembered, 0, 'starting sign-ins keeps nothing');
  t.equal(new Set(issued).size, issued.length, 'every state is different');
  t.same(states.take(issued[7]!, 'ghe'), { integration: 'ghe', next: '/x7', link: null });
  t.equal(states.take(issued[7]!, 'ghe'), null, 'used once');
  t.equal(states.remembered, 1);
});

t.test('tampered, foreign-key, other-integration and expired states are refused', async (t) => {
  let now = 1_000_000;
  const states = new OAuthStates(TTL, () => now);
  const s = states.issue({ integration: 'ghe', next: '/corp', link: linkTag('session-1') });
  const [body, mac] = s.split('.') as [string, string];
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), n: '/evil' })).toString('base64url');
  t.equal(states.take(`${forged}.${mac}`, 'ghe'), null, 'a changed payload');
  t.equal(states.take(`${body}.${'A'.repeat(mac.length)}`, 'ghe'), null, 'a wrong signature');
  t.equal(states.take(body, 'ghe'), null, 'no signature');
  t.equal(states.take('', 'ghe'), null);
  t.equal(new OAuthStates(TTL, () => now).take(s, 'ghe'), null, "another process's key");
  t.equal(states.take(s, 'gh2'), null, 'another integration');
  now += TTL;
  t.equal(states.take(s, 'ghe'), null, 'expired');
  t.equal(states.remembered, 0, 'refused states are not remembered');
});

t.test('link mode carries a tag of the session, not its id', async (t) => {
  const states = new OAuthStates(TTL);
  const s = states.issue({ integration: 'ghe', next: '/-/profile', link: linkTag('the-session-id') });
  t.notMatch(Buffer.from(s.split('.')[0]!, 'base64url').toString(), 'the-session-id');
  t.equal(states.take(s, 'ghe')?.link, linkTag('the-session-id'));
  t.not(linkTag('a'), linkTag('b'));
});

t.test('used states are forgotten after they expire', async (t) => {
  let now = 1_000_000;
  const states = new OAuthStates(TTL, () => now);
  for (let i = 0; i < 3; i++) states.take(states.issue({ integration: 'ghe', next: '/', link: null }), 'ghe');
  t.equal(states.remembered, 3);
  now += TTL + 60_000;
  states.take(states.issue({ integration: 'ghe', next: '/', link: null }), 'ghe');
  t.equal(states.remembered, 1, 'only the fresh one');
});
