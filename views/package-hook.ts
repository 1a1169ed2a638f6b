// A package's generic hook URL on its page (for those who may manage the package: the URL in a
// read-only field with a copy button, "Replace…" leading to a confirmation), the confirmation
// itself, and the table of deliveries on generic hook URLs (package page and Activity).
import { html, type Html } from './html.js';
import { formatTime, type ViewContext } from './layout.js';
import { packageHref } from './orgs.js';
import { dangerLink, type ConfirmView } from './confirm.js';
import type { GenericDeliveryView } from '../src/services/generic-deliveries.js';

/** hidden: the user may not manage the package (the URL is a secret: only whether one is set). */
export type HookUrlView =
  | { state: 'none' }
  | { state: 'hash-only' }
  | { state: 'shown'; url: string }
  | { state: 'hidden'; set: boolean };

export interface DeliveryRowView extends GenericDeliveryView {
  /** On Activity: the package the delivery reached (name, or URL before the first import). */
  packageName?: string | null;
  packageUrl?: string;
}

/** The "Generic hook URL" fact of the package page. */
export function hookUrlFact(href: string, hook: HookUrlView, replaced: boolean): Html {
  switch (hook.state) {
    case 'hidden':
      return hook.set ? html`Set. Those who manage the package see it.` : html`<span class="muted">none</span>`;
    case 'none':
      return html`<span class="muted">none</span> ${dangerLink(`${href}/hook`, 'Create a hook URL…')}`;
    case 'hash-only':
      return html`Set before this version, stored hashed: replace it to see the URL. ${dangerLink(`${href}/hook`, 'Replace…')}`;
    case 'shown':
      return html`${replaced ? html`<p class="ok" role="status">Replaced: the old URL no longer works. Update your hooks with this one.</p>` : ''}
<input id="hook-url" class="secret" type="text" readonly value="${hook.url}" aria-label="Generic hook URL" size="60" autocomplete="off" spellcheck="false">
<button type="button" class="copy" data-copy="hook-url">Copy</button> ${dangerLink(`${href}/hook`, 'Replace…')}
<p class="hint">Point AWS CodeCommit (through an SNS topic), Azure DevOps ("Code pushed") or a script at it: any POST queues an update. Keep it secret.</p>`;
  }
}

export function replaceHookConfirm(ctx: ViewContext, org: string, name: string, hasHook: boolean): ConfirmView {
  const href = packageHref(ctx, org, name);
  return {
    title: hasHook ? `Replace the hook URL of ${name}` : `Create a hook URL for ${name}`,
    lines: hasHook
      ? ['The current generic hook URL stops working at once: SNS subscriptions, Azure DevOps service hooks and scripts that use it get 404 until they are given the new one.']
      : ['A generic hook URL lets CodeCommit, Azure DevOps or a script queue updates of this package.'],
    action: `${href}/hook`,
    button: hasHook ? 'Replace hook URL' : 'Create hook URL',
    cancel: href,
    crumbs: [{ href: `${ctx.base}/${org}/`, label: org }, { href, label: name }, { href: `${href}/hook`, label: 'hook URL' }],
  };
}

const badge = (d: GenericDeliveryView) =>
  d.status === 'rejected' || d.status === 'failed' ? 'error' : d.outcome.startsWith('coalesced') ? 'new' : 'ok';
const label = (d: GenericDeliveryView) => (d.status === 'rejected' ? 'refused' : d.outcome.startsWith('coalesced') ? 'coalesced' : d.outcome.startsWith('queued') ? 'queued' : d.status);

/** Deliveries on generic hook URLs, newest first; `org` names each row's package (Activity). */
export function hookDeliveriesTable(ctx: ViewContext, rows: readonly DeliveryRowView[], org?: string): Html {
  if (rows.length === 0) return html`<p class="empty">No deliveries yet.</p>`;
  return html`<div class="scroll"><table class="deliveries generic"><thead><tr><th>Received</th>${org !== undefined ? html`<th>Package</th>` : ''}<th>From</th><th>Refs</th><th>Outcome</th></tr></thead><tbody>
${rows.map(
  (d) => html`<tr><td class="time">${formatTime(d.receivedAt)}</td>${org !== undefined
    ? html`<td>${d.packageName ? html`<a href="${packageHref(ctx, org, d.packageName)}">${d.packageName}</a>` : html`<span class="muted">${d.packageUrl ?? ''}</span>`}</td>`
    : ''}<td>${d.kind}${d.action ? html` <span class="muted">${d.action}</span>` : ''}</td>
<td>${d.refs.length ? html`<ul class="refs plain">${d.refs.slice(0, 10).map((r) => html`<li><code>${r}</code></li>`)}${d.refs.length > 10 ? html`<li class="muted">and ${d.refs.length - 10} more</li>` : ''}</ul>` : html`<span class="muted">–</span>`}</td>
<td><span class="badge ${badge(d)}">${label(d)}</span> ${d.outcome}</td></tr>`,
)}
</tbody></table></div>`;
}
