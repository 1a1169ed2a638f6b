// An organization's activity (jobs, webhook deliveries with "Replay", deliveries on its packages'
// generic hook URLs) and its audit log ("more"), for owners and admins.
import { html, type Html } from './html.js';
import { csrfField, formatTime, layout, type ViewContext } from './layout.js';
import { packageHref } from './orgs.js';
import { crumbs, orgNav, type OrgLinks } from './org-nav.js';
import type { AuditPart, NamedAuditRow } from '../src/services/audit-names.js';
import { hookDeliveriesTable, type DeliveryRowView } from './package-hook.js';

export interface ActivityJobView {
  id: number;
  type: string;
  status: string;
  trigger: string;
  packageName: string | null;
  /** The package's URL (named only after its first import). */
  packageUrl: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
}

export interface ActivityDeliveryView {
  id: number;
  event: string;
  action: string | null;
  status: string;
  outcome: string;
  receivedAt: number;
  replayable: boolean;
}

export interface ActivityPageView {
  org: string;
  links: OrgLinks;
  jobs: readonly ActivityJobView[];
  /** null for an organization without an integration. */
  deliveries: { integration: string; rows: readonly ActivityDeliveryView[] } | null;
  /** Deliveries on the generic hook URLs of the organization's packages, newest first. */
  hookDeliveries?: readonly DeliveryRowView[] | undefined;
}

const duration = (j: { startedAt: number | null; finishedAt: number | null }) =>
  j.startedAt !== null && j.finishedAt !== null ? `${((j.finishedAt - j.startedAt) / 1000).toFixed(1)} s` : '';

export function replayResult(id: number, text: string, ok: boolean): Html {
  return html`<span id="replay-${id}" class="${ok ? 'ok' : 'error'}" role="status">${text}</span>`;
}

export function activityPage(ctx: ViewContext, v: ActivityPageView): Html {
  const href = `${ctx.base}/${v.org}/-/activity`;
  return layout(
    ctx,
    `Activity · ${v.org}`,
    html`<h1>Activity of ${v.org}</h1>
${orgNav(ctx, v.org, v.links)}
<h2>Recent jobs</h2>
${v.jobs.length
  ? html`<div class="scroll"><table class="jobs"><thead><tr><th>Job</th><th>Type</th><th>Status</th><th>Trigger</th><th>Started</th><th>Duration</th><th>Error</th></tr></thead><tbody>
${v.jobs.map(
  (j) => html`<tr><td>#${j.id}</td><td>${j.type}${j.packageName ? html` <a href="${packageHref(ctx, v.org, j.packageName)}">${j.packageName}</a>` : j.packageUrl ? html` <span class="muted">${j.packageUrl}</span>` : ''}</td>
<td><span class="badge ${j.status === 'failed' ? 'error' : j.status === 'done' ? 'ok' : 'new'}">${j.status}</span></td><td>${j.trigger}</td>
<td class="time">${j.startedAt ? formatTime(j.startedAt) : html`queued ${formatTime(j.createdAt)}`}</td><td>${duration(j)}</td><td>${j.error ? html`<pre class="error">${j.error}</pre>` : ''}</td></tr>`,
)}
</tbody></table></div>`
  : html`<p class="empty">No jobs yet.</p>`}
${v.deliveries
  ? html`<h2>Webhook deliveries from ${v.deliveries.integration}</h2>
${v.deliveries.rows.length
    ? html`<div class="scroll"><table class="deliveries"><thead><tr><th>Received</th><th>Event</th><th>Status</th><th>Outcome</th><th></th></tr></thead><tbody>
${v.deliveries.rows.map(
  (d) => html`<tr><td class="time">${formatTime(d.receivedAt)}</td><td>${d.event}${d.action ? html` <span class="muted">${d.action}</span>` : ''}</td>
<td><span class="badge ${d.status === 'accepted' ? 'ok' : d.status === 'failed' || d.status === 'rejected' ? 'error' : ''}">${d.status}</span></td><td>${d.outcome}</td>
<td>${d.replayable
    ? html`<form method="post" action="${href}/deliveries/${d.id}/replay" hx-post="${href}/deliveries/${d.id}/replay" hx-target="this" hx-swap="outerHTML" class="inline">${csrfField(ctx)}<button type="submit" class="link">Replay</button></form>`
    : ''}</td></tr>`,
)}
</tbody></table></div>
<p class="hint">Replay queues again what a delivery queued (an update of the package, or a sync); the delivery log itself is not changed.</p>`
    : html`<p class="empty">No deliveries yet.</p>`}`
  : ''}
${v.hookDeliveries && (v.hookDeliveries.length > 0 || v.deliveries === null)
  ? html`<h2>Generic hook URL deliveries</h2>
${hookDeliveriesTable(ctx, v.hookDeliveries, v.org)}
<p class="hint">Deliveries on the packages' generic hook URLs (CodeCommit through SNS, Azure DevOps, scripts). A burst while an update is queued is coalesced into it.</p>`
  : ''}`,
    crumbs(ctx, v.org, href, 'activity'),
  );
}

// ---------------------------------------------------------------- audit

export type AuditRowView = NamedAuditRow;

function auditParts(ctx: ViewContext, org: string, parts: readonly AuditPart[]): Html {
  return html`${parts.map((p) =>
    p.package !== undefined
      ? html`<a href="${packageHref(ctx, org, p.package)}">${p.text}</a>`
      : p.gone
        ? html`<span class="muted">${p.text}</span>`
        : p.text,
  )}`;
}

function auditDetails(ctx: ViewContext, org: string, details: AuditRowView['details']): Html {
  if (details === null) return html``;
  if (typeof details === 'string') return html`<code class="details">${details}</code>`;
  return html`<ul class="details plain">${details.map((d) => html`<li><span class="muted">${d.key}:</span> ${auditParts(ctx, org, d.value)}</li>`)}</ul>`;
}

/** Rows plus, when there may be more, the "more" row that loads the next page in its place. */
export function auditRows(ctx: ViewContext, org: string, rows: readonly AuditRowView[], next: number | null): Html {
  const more = `${ctx.base}/${org}/-/audit?before=${next ?? ''}`;
  return html`${rows.map(
    (r) => html`<tr><td class="time">${formatTime(r.at)}</td><td>${r.actor}</td><td><code>${r.action}</code></td><td>${auditParts(ctx, org, r.target)}</td><td>${auditDetails(ctx, org, r.details)}</td></tr>`,
  )}${next !== null
    ? html`<tr id="audit-more"><td colspan="5"><a href="${more}" hx-get="${more}" hx-target="#audit-more" hx-swap="outerHTML">More</a></td></tr>`
    : ''}`;
}

export function auditPage(ctx: ViewContext, v: { org: string; links: OrgLinks; rows: readonly AuditRowView[]; next: number | null }): Html {
  const href = `${ctx.base}/${v.org}/-/audit`;
  return layout(
    ctx,
    `Audit log · ${v.org}`,
    html`<h1>Audit log of ${v.org}</h1>
${orgNav(ctx, v.org, v.links)}
${v.rows.length
  ? html`<div class="scroll"><table class="audit"><thead><tr><th>Time</th><th>Actor</th><th>Action</th><th>Target</th><th>Details</th></tr></thead>
<tbody id="audit-rows">${auditRows(ctx, v.org, v.rows, v.next)}</tbody></table></div>`
  : html`<p class="empty">Nothing recorded yet.</p>`}`,
    crumbs(ctx, v.org, href, 'audit log'),
  );
}
