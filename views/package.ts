// A package's page, with the organization's menu: versions (dev branches, the default branch
// first and marked, then tags newest first; stability, requirements, source and dist references), last
// update and error, skipped refs with their reasons, the generic hook URL (views/package-hook.ts:
// shown with its recent deliveries to those who may manage the package, only its existence to
// readers), and "Update now" with the job status fragment that polls until the job ends.
import { removePackageCard } from './confirm.js';
import { html, type Html } from './html.js';
import { csrfField, formatTime, layout, type ViewContext } from './layout.js';
import { packageHref } from './orgs.js';
import { orgNav, type OrgLinks } from './org-nav.js';
import { hookDeliveriesTable, hookUrlFact, type DeliveryRowView, type HookUrlView } from './package-hook.js';

export interface VersionView {
  version: string;
  /** The repository's default branch (listed first, marked). */
  defaultBranch?: boolean;
  stability: string;
  refKind: string;
  refName: string;
  commit: string;
  time: string | null;
  require: Readonly<Record<string, string>>;
}

export interface PackagePageView {
  org: string;
  name: string;
  url: string;
  /** Owners and admins: "Remove package". */
  canRemove?: boolean;
  vcsType: string;
  description: string | null;
  status: 'new' | 'ok' | 'error';
  forgeStatus: string | null;
  lastUpdatedAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  versions: readonly VersionView[];
  skipped: readonly { kind: string; name: string; commit: string; reason: string }[];
  /** The generic hook URL as this user may see it. */
  hook: HookUrlView;
  /** The hook URL was just replaced. */
  hookReplaced?: boolean | undefined;
  /** The latest deliveries on the hook URL (those who may manage the package). */
  hookDeliveries?: readonly DeliveryRowView[] | undefined;
  canUpdate: boolean;
  /** A job still queued or running for this package, shown polling on load. */
  activeJob: JobView | null;
  /** The organization's pages this user may open (its menu). */
  links?: OrgLinks | undefined;
}

export interface JobView {
  id: number;
  status: 'queued' | 'running' | 'done' | 'failed';
  error: string | null;
  finishedAt: number | null;
  /** What a finished update changed. */
  summary: string | null;
}

const short = (commit: string) => (/^[0-9a-f]{40}$/.test(commit) ? commit.slice(0, 12) : commit);

/** The job status fragment: polls every 500 ms while the job is queued or running. */
export function jobStatus(ctx: ViewContext, org: string, name: string, job: JobView): Html {
  const live = job.status === 'queued' || job.status === 'running';
  const poll = `${packageHref(ctx, org, name)}/jobs/${job.id}`;
  return html`<div id="job-status" class="job ${job.status}" role="status"${live ? html` hx-get="${poll}" hx-trigger="every 500ms" hx-swap="outerHTML"` : ''}>
  Update #${job.id}: <strong>${job.status}</strong>${job.summary ? html` (${job.summary})` : ''}${job.status === 'done' ? html` · <a href="${packageHref(ctx, org, name)}">reload the page</a>` : ''}
  ${job.error ? html`<pre class="error">${job.error}</pre>` : ''}
</div>`;
}

function requirements(req: Readonly<Record<string, string>>): Html {
  const entries = Object.entries(req);
  if (entries.length === 0) return html`<span class="muted">none</span>`;
  return html`<ul class="reqs">${entries.map(([k, v]) => html`<li><code>${k}</code> ${v}</li>`)}</ul>`;
}

export function packagePage(ctx: ViewContext, v: PackagePageView): Html {
  const href = packageHref(ctx, v.org, v.name);
  return layout(
    ctx,
    v.name,
    html`<h1>${v.name}</h1>
${v.links ? orgNav(ctx, v.org, v.links) : ''}
${v.description ? html`<p class="lead">${v.description}</p>` : ''}
<dl class="facts">
  <dt>Repository</dt><dd><code>${v.url}</code> (${v.vcsType})${v.forgeStatus && v.forgeStatus !== 'active' ? html` <span class="badge error">${v.forgeStatus} on the forge</span>` : ''}</dd>
  <dt>Status</dt><dd><span class="badge ${v.status}">${v.status === 'new' ? 'importing' : v.status}</span></dd>
  <dt>Last update</dt><dd>${formatTime(v.lastUpdatedAt)}</dd>
  ${v.lastError ? html`<dt>Last error</dt><dd><pre class="error">${v.lastError}</pre><span class="muted">${formatTime(v.lastErrorAt)}</span></dd>` : ''}
  <dt>Generic hook URL</dt><dd>${hookUrlFact(href, v.hook, v.hookReplaced === true)}</dd>
</dl>
${v.canUpdate
  ? html`<form method="post" action="${href}/update" hx-post="${href}/update" hx-target="#job-status" hx-swap="outerHTML" class="inline">
  ${csrfField(ctx)}<button type="submit">Update now</button>
</form>`
  : ''}
${v.activeJob ? jobStatus(ctx, v.org, v.name, v.activeJob) : html`<div id="job-status"></div>`}
<h2>Versions</h2>
${v.versions.length
  ? html`<div class="scroll"><table class="versions"><thead><tr><th>Version</th><th>Stability</th><th>Requires</th><th>Source</th><th>Dist</th><th>Time</th></tr></thead><tbody>
${v.versions.map(
  (x) => html`<tr${x.defaultBranch ? html` class="default-branch"` : ''}><td><strong>${x.version}</strong>${x.defaultBranch ? html` <span class="badge default">default branch</span>` : ''}</td><td><span class="badge">${x.stability}</span></td><td>${requirements(x.require)}</td>
<td><span class="muted">${x.refKind}</span> ${x.refName}<br><code>${short(x.commit)}</code></td><td><code>${short(x.commit)}</code> zip</td><td class="time">${x.time ?? ''}</td></tr>`,
)}
</tbody></table></div>`
  : html`<p class="empty">No versions published yet.</p>`}
<h2>Skipped refs</h2>
${v.skipped.length
  ? html`<div class="scroll"><table class="skipped"><thead><tr><th>Ref</th><th>Commit</th><th>Reason</th></tr></thead><tbody>
${v.skipped.map((s) => html`<tr><td><span class="muted">${s.kind}</span> ${s.name}</td><td><code>${short(s.commit)}</code></td><td>${s.reason}</td></tr>`)}
</tbody></table></div>`
  : html`<p class="empty">Every ref became a version.</p>`}
${v.hookDeliveries ? html`<h2>Hook deliveries</h2>
${hookDeliveriesTable(ctx, v.hookDeliveries)}` : ''}
${v.canRemove ? removePackageCard(href) : ''}`,
    [
      { href: `${ctx.base}/${v.org}/`, label: v.org },
      { href, label: v.name },
    ],
  );
}
