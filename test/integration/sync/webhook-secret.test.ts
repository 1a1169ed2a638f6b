// A changed webhook_secret reaches the forge: sync installs the org hook with secret A; after a
// restart with webhook_secret B the next sync repairs the hook with B (forges never return a
// hook's secret, so Packyard remembers which one it set), and a delivery signed with B is accepted.
import t from 'tap';
import { startGhesOrg } from '../../helpers/ghes-org.js';
import { ghesSyncYaml, startPackyard } from '../../helpers/packyard.js';

const TOKEN = 'ghp_webhooksecretadmintoken0000000000000';

t.test('a changed webhook_secret is sent to the hook at the next sync', async (t) => {
  const { ghe, s } = await startGhesOrg(t, TOKEN);
  await s.addRepo('acme', 'notes', { files: { 'README.md': '# notes\n' } });
  const yaml = (secret: string) =>
    ghesSyncYaml(ghe, { token: TOKEN, autoAddPackages: false, installWebhooks: true, moreIntegrations: [`    webhook_secret: "${secret}"`] });
  const hooks = () => s.orgHooks(s.org('acme'));

  const first = await startPackyard(t, { yaml: yaml('secret-A') });
  const one = await first.cli(['sync', '--org', 'acme']);
  t.equal(one.code, 0, one.stderr);
  t.match(one.stdout, /webhook: installed/);
  t.same(hooks().map((h) => h.config.secret), ['secret-A'], 'the hook has secret A');
  const again = await first.cli(['sync', '--org', 'acme']);
  t.match(again.stdout, /webhook: ok/, 'an unchanged secret is not sent again');
  await first.stop();

  // Same data dir and port (so the same hook URL), another configured secret.
  const second = await startPackyard(t, { yaml: yaml('secret-B'), reuseDir: first.dir, port: Number(new URL(first.url).port) });
  t.equal(second.url, first.url);
  const two = await second.cli(['sync', '--org', 'acme']);
  t.equal(two.code, 0, two.stderr);
  t.match(two.stdout, /webhook: repaired/);
  t.same(hooks().map((h) => h.config.secret), ['secret-B'], 'the hook now has secret B');

  const payload = await ghe.payloads.repository('created', 'acme', 'notes');
  const delivered = await ghe.deliver('acme', 'repository', payload);
  t.same(delivered.map((d) => d.status), [202], 'a delivery signed with B is accepted');
  const three = await second.cli(['sync', '--org', 'acme']);
  t.match(three.stdout, /webhook: ok/, 'and B is not sent again');
});
