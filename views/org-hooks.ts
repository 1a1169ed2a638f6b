// The webhooks card of a synced organization's settings page: how the forge's hooks are installed
// (one for the whole source, or one per package repository), what those hooks never announce (the
// sync schedule picks it up), and the state of each as the last sync recorded it (failed ones with why).
import { html, type Html } from './html.js';
import { formatTime } from './layout.js';

export interface HookRowView {
  scope: 'source' | 'repository';
  /** The source, or the repository's full name. */
  target: string;
  hookId: string | null;
  outcome: 'ok' | 'created' | 'repaired' | 'failed' | 'unknown';
  detail: string | null;
  checkedAt: number;
}

export interface WebhooksView {
  /** The forge's name ("GitHub Enterprise"). */
  forge: string;
  installWebhooks: boolean;
  /** Whether the forge can install hooks at all (its webhooks capability). */
  offered: boolean;
  hooks: readonly HookRowView[];
  /** The forge's words for each way of installing ("one group hook", "a hook per project"), when it has them. */
  scopeLabels?: Readonly<Record<'source' | 'repository', string>> | null;
  /** What the forge's hooks never announce, by way of installing ("membership changes"), when it says. */
  scheduleCovers?: Readonly<Partial<Record<'source' | 'repository', readonly string[]>>> | null;
  /** The organization's sync schedule (cron), named in the note about what hooks never announce. */
  schedule?: string;
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function modeText(v: WebhooksView): string {
  if (!v.installWebhooks) return 'Packyard does not install webhooks for this organization (install webhooks: no).';
  if (!v.offered) return `${v.forge} offers no webhook installation: add the hooks on the forge by hand.`;
  if (v.hooks.length === 0) return 'No hook installed yet: the next sync installs them.';
  const scope = v.hooks.every((h) => h.scope === 'source') ? 'source' : 'repository';
  const words = v.scopeLabels?.[scope];
  if (words) return `${capital(words)} on ${v.forge}${scope === 'repository' ? ' (one for each package)' : ''}.`;
  return scope === 'source' ? `One hook for the whole source on ${v.forge}.` : `One hook per package repository on ${v.forge}.`;
}

/** "a", "a or b", "a, b or c". */
function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/**
 * What the hooks never announce and the schedule picks up: for the installed hooks' way, or,
 * before any hook is recorded, when every way lacks the same events (nothing to choose from).
 */
function scheduleNote(v: WebhooksView): Html | null {
  const covers = v.scheduleCovers;
  if (!covers || !v.installWebhooks || !v.offered) return null;
  let missing: readonly string[] | undefined;
  if (v.hooks.length > 0) missing = covers[v.hooks.every((h) => h.scope === 'source') ? 'source' : 'repository'];
  else if (covers.source && covers.repository && orList(covers.source) === orList(covers.repository)) missing = covers.source;
  if (!missing || missing.length === 0) return null;
  return html`<p class="hint schedule-covers">${v.forge} sends no events for ${orList(missing)}; the sync schedule${v.schedule ? html` (<code>${v.schedule}</code>)` : ''} picks them up.</p>`;
}

const badge = (o: HookRowView['outcome']) => (o === 'failed' ? 'error' : o === 'unknown' ? '' : 'ok');

export function webhooksCard(v: WebhooksView): Html {
  return html`<section class="card" id="webhooks"><h2>Webhooks</h2>
<p class="hook-mode">${modeText(v)}</p>
${scheduleNote(v)}
${v.hooks.length > 0
  ? html`<table class="hooks"><thead><tr><th>Hook for</th><th>Id</th><th>State</th><th>Checked</th></tr></thead><tbody>
${v.hooks.map(
  (h) => html`<tr><td>${h.scope === 'source' ? html`source <code>${h.target}</code>` : h.target}</td><td>${h.hookId ?? '–'}</td>
<td><span class="badge ${badge(h.outcome)}">${h.outcome === 'unknown' ? 'not checked yet' : h.outcome}</span>${h.detail ? html`<pre class="${h.outcome === 'failed' ? 'error' : 'hint'}">${h.detail}</pre>` : ''}</td>
<td class="time">${h.checkedAt > 0 ? formatTime(h.checkedAt) : '–'}</td></tr>`,
)}
</tbody></table>`
  : ''}
</section>`;
}
