// The webhooks card's note on what a forge's hooks never announce: shown for the way the hooks
// are installed (or, before any hook, when every way lacks the same events), with the schedule,
// escaped, and left out when webhooks are off, not offered, or the forge says nothing.
import t from 'tap';
import { webhooksCard, type HookRowView, type WebhooksView } from '../../../views/org-hooks.js';

const hook = (scope: HookRowView['scope']): HookRowView => ({ scope, target: scope === 'source' ? 'PAY' : 'PAY/api', hookId: '7', outcome: 'created', detail: null, checkedAt: 1 });
const base: WebhooksView = { forge: 'Forge X', installWebhooks: true, offered: true, hooks: [], schedule: '*/15 * * * *' };
const note = (v: Partial<WebhooksView>): string | null => /<p class="hint schedule-covers">(.*?)<\/p>/s.exec(webhooksCard({ ...base, ...v }).value)?.[1] ?? null;

t.test('the note names what the installed way never announces, and the schedule', async (t) => {
  const both = { source: ['membership changes', 'new repositories'], repository: ['membership changes', 'new repositories'] };
  t.equal(note({ scheduleCovers: both, hooks: [hook('source')] }), 'Forge X sends no events for membership changes or new repositories; the sync schedule (<code>*/15 * * * *</code>) picks them up.');
  t.equal(note({ scheduleCovers: both }), 'Forge X sends no events for membership changes or new repositories; the sync schedule (<code>*/15 * * * *</code>) picks them up.', 'before any hook: every way lacks the same');
  t.equal(note({ scheduleCovers: { source: ['a', 'b', 'c'] }, hooks: [hook('source')], schedule: '' }), 'Forge X sends no events for a, b or c; the sync schedule picks them up.', 'three items; no schedule');
  t.equal(note({ scheduleCovers: { source: ['a'] }, hooks: [hook('source')] })?.startsWith('Forge X sends no events for a;'), true, 'one item');
});

t.test('only for the way the hooks are installed', async (t) => {
  const projectHooksOnly = { repository: ['membership changes', 'new projects'] };
  t.equal(note({ scheduleCovers: projectHooksOnly, hooks: [hook('source')] }), null, 'a source hook announces everything');
  t.match(note({ scheduleCovers: projectHooksOnly, hooks: [hook('repository')] }), /new projects/);
  t.equal(note({ scheduleCovers: projectHooksOnly }), null, 'before any hook the way is unknown');
});

t.test('nothing when hooks are off, not offered, or the forge says nothing', async (t) => {
  const both = { source: ['x'], repository: ['x'] };
  t.equal(note({ scheduleCovers: both, installWebhooks: false }), null);
  t.equal(note({ scheduleCovers: both, offered: false }), null);
  t.equal(note({ hooks: [hook('source')] }), null);
  t.equal(note({ scheduleCovers: { source: [] }, hooks: [hook('source')] }), null, 'an empty list');
});

t.test('forge words are escaped', async (t) => {
  const v = note({ forge: '<b>F</b>', scheduleCovers: { source: ['<i>x</i>'] }, hooks: [hook('source')], schedule: '<s>' });
  t.equal(v, '&lt;b&gt;F&lt;/b&gt; sends no events for &lt;i&gt;x&lt;/i&gt;; the sync schedule (<code>&lt;s&gt;</code>) picks them up.');
});
