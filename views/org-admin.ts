// An organization's admin pages and their htmx fragments: add a package (by URL, or from the
// synced forge's repositories), teams and members, settings (sync runs, "Sync now", "Preview
// sync", the webhooks: org-hooks.ts). Activity and the audit log are in org-activity.ts.
import { dangerLink, deleteOrgCard } from './confirm.js';
import { html, type Html } from './html.js';
import { syncSettingsFields } from './new-org.js';
import { csrfField, formatTime, layout, type ViewContext } from './layout.js';
import { packageHref } from './orgs.js';
import { crumbs, orgNav, type OrgLinks } from './org-nav.js';
import { webhooksCard, type WebhooksView } from './org-hooks.js';

// ---------------------------------------------------------------- add package

export interface UnaddedRepoView {
  fullName: string;
  composer: 'yes' | 'no' | 'unknown' | 'ignored';
  archived: boolean;
}

export interface NewPackageView {
  org: string;
  links: OrgLinks;
  /** The organization's credentials with their bound hosts; null for members (attaching one is an owner's action). */
  credentials: readonly { name: string; type: string; hosts: readonly string[] }[] | null;
  vcsTypes: readonly string[];
  form: { url: string; type: string; credential: string };
  error?: string | undefined;
  /** Synced organizations: the integration and its repositories that are not packages. */
  synced: { integration: string; repos: readonly UnaddedRepoView[] } | null;
}

const COMPOSER_STATE = { yes: 'has composer.json', no: 'no composer.json', unknown: 'not checked yet', ignored: 'package removed' } as const;

export function repoRowId(fullName: string): string {
  return `repo-${fullName.toLowerCase().replace(/[^a-z0-9_-]/g, '-')}`;
}

export function unaddedRepoRow(ctx: ViewContext, org: string, r: UnaddedRepoView): Html {
  const action = `${ctx.base}/${org}/-/packages/new/forge`;
  return html`<tr id="${repoRowId(r.fullName)}"><td>${r.fullName}${r.archived ? html` <span class="badge">archived</span>` : ''}</td>
<td><span class="badge${r.composer === 'yes' ? ' ok' : ''}">${COMPOSER_STATE[r.composer]}</span></td>
<td><form method="post" action="${action}" hx-post="${action}" hx-target="#${repoRowId(r.fullName)}" hx-swap="outerHTML" class="inline">${csrfField(ctx)}<input type="hidden" name="repository" value="${r.fullName}"><button type="submit">Add</button></form></td></tr>`;
}

/** An added package's first import, as the "Add" answer shows it (polled while it runs). */
export interface ImportJobView {
  id: number;
  status: 'queued' | 'running' | 'done' | 'failed';
  error: string | null;
  /** The package's name: known once an import read its composer.json. */
  packageName: string | null;
  packageUrl: string;
  /** The package's last error (an import that ran but could not name it). */
  packageError: string | null;
}

export function importJobHref(ctx: ViewContext, org: string, id: number): string {
  return `${ctx.base}/${org}/-/packages/new/jobs/${id}`;
}

/** The import's status: polls every 500 ms while queued or running; when done, links the package page. */
export function importStatus(ctx: ViewContext, org: string, job: ImportJobView): Html {
  const live = job.status === 'queued' || job.status === 'running';
  const poll = importJobHref(ctx, org, job.id);
  const state = live ? (job.status === 'queued' ? 'queued' : 'importing…') : job.status === 'done' ? 'imported' : 'import failed';
  return html`<div id="import-${job.id}" class="job import ${job.status}" role="status"${live ? html` hx-get="${poll}" hx-trigger="every 500ms" hx-swap="outerHTML"` : ''}>
  Import #${job.id} of <code>${job.packageUrl}</code>: <strong>${state}</strong>${job.status === 'done'
    ? job.packageName
      ? html` · <a class="package-link" href="${packageHref(ctx, org, job.packageName)}">${job.packageName}</a>`
      : html` · <a href="${ctx.base}/${org}/">the package list</a>`
    : live ? html` <noscript><a href="${poll}">reload</a></noscript>` : ''}
  ${job.error ? html`<pre class="error">${job.error}</pre>` : job.status !== 'failed' && job.packageError && !live ? html`<pre class="error">${job.packageError}</pre>` : ''}
</div>`;
}

/** The row after "Add": the import's status, or why the repository could not be added. */
export function addedRepoRow(ctx: ViewContext, org: string, fullName: string, job: ImportJobView | null, error?: string): Html {
  return html`<tr id="${repoRowId(fullName)}"><td>${fullName}</td>
<td colspan="2">${error || !job ? html`<span class="error" role="alert">${error ?? ''}</span>` : importStatus(ctx, org, job)}</td></tr>`;
}

/** The "by URL" form (the htmx target of its own post: the form again with the error, or the import). */
export function addByUrlFragment(ctx: ViewContext, v: NewPackageView): Html {
  const action = `${ctx.base}/${v.org}/-/packages/new`;
  return html`<div id="add-by-url">
  ${v.error ? html`<p class="error" role="alert">${v.error}</p>` : ''}
  <form method="post" action="${action}" hx-post="${action}" hx-target="#add-by-url" hx-swap="outerHTML" class="grid">
    ${csrfField(ctx)}
    <label>VCS URL <input name="url" required value="${v.form.url}" placeholder="https://git.example/team/repo.git"></label>
    <label>Type <select name="type"><option value=""${v.form.type === '' ? ' selected' : ''}>from the URL (svn:// is svn, else git)</option>${v.vcsTypes.map((t) => html`<option value="${t}"${v.form.type === t ? ' selected' : ''}>${t}</option>`)}</select></label>
    ${v.credentials === null ? '' : html`<label>Credential <select name="credential">
      <option value=""${v.form.credential === '' ? ' selected' : ''}>none</option>
      ${v.credentials.map((c) => html`<option value="${c.name}"${v.form.credential === c.name ? ' selected' : ''}>${c.name} (${c.type}; ${c.hosts.length === 0 ? 'not bound to a host yet: bound to this URL\'s host' : `sent to ${c.hosts.join(', ')} only`})</option>`)}
    </select></label>`}
    <button type="submit">Add and import</button>
  </form>
</div>`;
}

/** The htmx answer to "Add and import" by URL: the import's status in place of the form. */
export function addedByUrl(ctx: ViewContext, org: string, job: ImportJobView): Html {
  return html`<div id="add-by-url">
  ${importStatus(ctx, org, job)}
  <p><a href="${ctx.base}/${org}/-/packages/new">Add another package</a></p>
</div>`;
}

/** The import's status on a page of its own (after a plain form post, without htmx). */
export function importPage(ctx: ViewContext, org: string, links: OrgLinks, job: ImportJobView): Html {
  const href = `${ctx.base}/${org}/-/packages/new`;
  return layout(ctx, `Import · ${org}`, html`<h1>Adding a package to ${org}</h1>
${orgNav(ctx, org, links)}
${importStatus(ctx, org, job)}
<p><a href="${href}">Add another package</a></p>`, crumbs(ctx, org, href, 'add package'));
}

export function newPackagePage(ctx: ViewContext, v: NewPackageView): Html {
  const action = `${ctx.base}/${v.org}/-/packages/new`;
  return layout(
    ctx,
    `Add package · ${v.org}`,
    html`<h1>Add a package to ${v.org}</h1>
${orgNav(ctx, v.org, v.links)}
<section class="card">
  <h2>By repository URL</h2>
  ${addByUrlFragment(ctx, v)}
  <p class="hint">The first import starts at once; its progress is shown here, then a link to the package's page.</p>
</section>
${v.synced
  ? html`<section><h2>Repositories on ${v.synced.integration} that are not packages</h2>
${v.synced.repos.length
    ? html`<table class="repos"><thead><tr><th>Repository</th><th>composer.json</th><th></th></tr></thead><tbody>
${v.synced.repos.map((r) => unaddedRepoRow(ctx, v.org, r))}
</tbody></table>`
    : html`<p class="empty">Every repository the last sync saw is a package already (or no sync has run yet).</p>`}
</section>`
  : ''}`,
    crumbs(ctx, v.org, action, 'add package'),
  );
}

// ---------------------------------------------------------------- teams

export interface TeamPageTeam {
  id: number;
  slug: string;
  name: string;
  parentId: number | null;
  /** The forge's word for what the team stands for ("project", "group"), when it has one. */
  kind?: string | null;
  members: readonly { login: string; role: string }[];
  /** Only packages the viewer may read. */
  packages: readonly { name: string | null; url: string; permission: string; source: 'local' | 'sync' }[];
}

export interface TeamsPageView {
  org: string;
  links: OrgLinks;
  /** The integration a synced organization takes teams and members from. */
  managedBy: string | null;
  teams: readonly TeamPageTeam[];
  members: readonly { login: string; role: string; source: string }[];
  /** Owners and admins of an unsynced organization: each member gets "Remove". */
  canRemoveMembers?: boolean;
}

/** Teams as a tree: nested lists (a child team, subgroup, inside its parent's item), roots first. */
function teamTree(ctx: ViewContext, v: TeamsPageView, parent: { id: number; name: string } | null, seen: Set<number>): Html {
  const parentId = parent?.id ?? null;
  const children = v.teams.filter((t) => t.parentId === parentId || (parentId === null && t.parentId !== null && !v.teams.some((p) => p.id === t.parentId)));
  const fresh = children.filter((t) => !seen.has(t.id));
  if (fresh.length === 0) return html``;
  for (const t of fresh) seen.add(t.id);
  return html`<ul class="teams"${parent ? html` aria-label="Teams in ${parent.name}"` : ''}>${fresh.map(
    (t) => html`<li class="team"${t.kind ? html` data-kind="${t.kind}"` : ''}><h3>${t.name} <span class="muted">${t.slug}</span>${t.kind ? html` <span class="badge team-kind">${t.kind}</span>` : ''}</h3>
<div class="team-body"><div><h4>Members</h4>${t.members.length
      ? html`<ul class="plain">${t.members.map((m) => html`<li>${m.login} <span class="badge">${m.role}</span></li>`)}</ul>`
      : html`<p class="empty">No members.</p>`}</div>
<div><h4>Packages it reads</h4>${t.packages.length
      ? html`<ul class="plain">${t.packages.map(
          (p) => html`<li>${p.name ? html`<a href="${packageHref(ctx, v.org, p.name)}">${p.name}</a>` : p.url} <span class="muted">${p.source === 'sync' ? `sync: ${p.permission}` : 'local'}</span></li>`,
        )}</ul>`
      : html`<p class="empty">No packages.</p>`}</div></div>
${teamTree(ctx, v, t, seen)}</li>`,
  )}</ul>`;
}

export function teamsPage(ctx: ViewContext, v: TeamsPageView): Html {
  const href = `${ctx.base}/${v.org}/-/teams`;
  return layout(
    ctx,
    `Teams · ${v.org}`,
    html`<h1>Teams and members of ${v.org}</h1>
${orgNav(ctx, v.org, v.links)}
${v.managedBy ? html`<p class="hint">Read-only: teams and members are managed by ${v.managedBy}.</p>` : ''}
<h2>Teams</h2>
${v.teams.length ? teamTree(ctx, v, null, new Set()) : html`<p class="empty">No teams.</p>`}
<h2>Members</h2>
${v.members.length
  ? html`<table class="members"><thead><tr><th>Login</th><th>Role</th><th>Source</th>${v.canRemoveMembers ? html`<th></th>` : ''}</tr></thead><tbody>
${v.members.map((m) => html`<tr><td>${m.login}</td><td>${m.role}</td><td>${m.source === 'sync' ? `sync (${v.managedBy ?? 'forge'})` : 'local'}</td>${v.canRemoveMembers
  ? html`<td>${dangerLink(`${ctx.base}/${v.org}/-/members/${encodeURIComponent(m.login)}/remove`, 'Remove…')}</td>` : ''}</tr>`)}
</tbody></table>`
  : html`<p class="empty">No members.</p>`}`,
    crumbs(ctx, v.org, href, 'teams'),
  );
}

// ---------------------------------------------------------------- settings

export interface SyncRunView {
  id: number;
  trigger: string;
  status: string;
  startedAt: number;
  finishedAt: number | null;
  summary: Readonly<Record<string, number>> | null;
  error: string | null;
  /** What the forge could not tell in this run, shown as is. */
  notes?: readonly string[] | null;
}

export interface SettingsPageView {
  org: string;
  links: OrgLinks;
  sync: { integration: string; source: string; schedule: string; autoAddPackages: boolean; installWebhooks: boolean; fromConfig: boolean } | null;
  /** The settings form after a refused change: what was sent and why. */
  settingsForm?: { schedule: string; autoAddPackages: boolean; installWebhooks: boolean; error: string };
  runs: readonly SyncRunView[];
  activeSyncJob: SyncJobView | null;
  /** Instance admins: "Delete organization" (refused for config-file organizations). */
  deletable?: { fromConfig: boolean } | null;
  /** A synced organization's webhooks: the mode and each hook's state. */
  webhooks?: WebhooksView | null;
}

export interface SyncJobView {
  id: number;
  status: 'queued' | 'running' | 'done' | 'failed';
  error: string | null;
  result: string | null;
}

export function summaryText(summary: Readonly<Record<string, number>> | null): string {
  if (!summary) return '';
  const parts = Object.entries(summary).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
  return parts.length ? parts.join(', ') : 'no changes';
}

export function syncJobStatus(ctx: ViewContext, org: string, job: SyncJobView): Html {
  const live = job.status === 'queued' || job.status === 'running';
  const poll = `${ctx.base}/${org}/-/settings/sync/jobs/${job.id}`;
  return html`<div id="sync-status" class="job ${job.status}" role="status"${live ? html` hx-get="${poll}" hx-trigger="every 1s" hx-swap="outerHTML"` : ''}>
  Sync #${job.id}: <strong>${job.status}</strong>${job.result ? html` (${job.result})` : ''}${!live ? html` · <a href="${ctx.base}/${org}/-/settings">reload the page</a>` : ''}
  ${job.error ? html`<pre class="error">${job.error}</pre>` : ''}
</div>`;
}

export type PlanLine = { kind: 'gains' | 'loses' | 'changes'; text: string };

export function planPreview(v: { error?: string | undefined; lines: readonly PlanLine[] }): Html {
  if (v.error) return html`<div id="sync-preview" class="card"><h2>Preview</h2><pre class="error">${v.error}</pre></div>`;
  return html`<div id="sync-preview" class="card"><h2>Preview: what a sync would change now</h2>
${v.lines.length
    ? html`<ul class="plan">${v.lines.map((l) => html`<li class="${l.kind}"><strong>${l.kind}</strong> ${l.text}</li>`)}</ul>`
    : html`<p class="empty">Nothing: Packyard matches the forge.</p>`}
</div>`;
}

/**
 * A preview job still queued or running: polls every second and is replaced by the plan (or the
 * error) once the dry run has listed the forge.
 */
export function planPreviewPending(ctx: ViewContext, org: string, job: { id: number; status: string }): Html {
  const poll = `${ctx.base}/${org}/-/settings/preview/jobs/${job.id}`;
  return html`<div id="sync-preview" class="card" role="status" hx-get="${poll}" hx-trigger="every 1s" hx-swap="outerHTML"><h2>Preview</h2>
<p>Asking the forge… (preview #${job.id}: ${job.status})</p>
<noscript><p><a href="${poll}">Reload</a> to see the plan.</p></noscript>
</div>`;
}

/** The preview on a page of its own (a plain form post, without htmx). */
export function planPreviewPage(ctx: ViewContext, org: string, links: OrgLinks, preview: Html): Html {
  const href = `${ctx.base}/${org}/-/settings`;
  return layout(ctx, `Sync preview · ${org}`, html`<h1>Sync preview for ${org}</h1>
${orgNav(ctx, org, links)}
${preview}
<p><a href="${href}">Back to the settings</a></p>`, crumbs(ctx, org, href, 'settings'));
}

export function settingsPage(ctx: ViewContext, v: SettingsPageView): Html {
  const href = `${ctx.base}/${v.org}/-/settings`;
  const yesNo = (b: boolean) => (b ? 'yes' : 'no');
  return layout(
    ctx,
    `Settings · ${v.org}`,
    html`<h1>Settings of ${v.org}</h1>
${orgNav(ctx, v.org, v.links)}
<section class="card"><h2>Sync</h2>
${v.sync
  ? html`<dl class="facts">
  <dt>Integration</dt><dd>${v.sync.integration}</dd>
  <dt>Source</dt><dd><code>${v.sync.source}</code></dd>
  <dt>Schedule</dt><dd><code>${v.sync.schedule}</code></dd>
  <dt>Add packages by themselves</dt><dd>${yesNo(v.sync.autoAddPackages)}</dd>
  <dt>Install webhooks</dt><dd>${yesNo(v.sync.installWebhooks)}</dd>
</dl>
${v.sync.fromConfig
    ? html`${v.settingsForm ? html`<p class="error" role="alert">${v.settingsForm.error}</p>` : ''}<p class="hint">Set in the config file (organizations[].sync); change it there.</p>`
    : html`<details${v.settingsForm ? ' open' : ''}><summary>Change the sync settings</summary>
<form method="post" action="${href}/sync-settings" class="stack">${csrfField(ctx)}
${syncSettingsFields(v.settingsForm ?? v.sync, v.settingsForm ? { schedule: v.settingsForm.error } : {})}
<button type="submit">Save</button></form></details>`}
<form method="post" action="${href}/sync" hx-post="${href}/sync" hx-target="#sync-status" hx-swap="outerHTML" hx-indicator="#sync-busy" hx-disabled-elt="find button" class="inline">${csrfField(ctx)}<button type="submit">Sync now</button> <span id="sync-busy" class="htmx-indicator">Queuing the sync…</span></form>
<form method="post" action="${href}/preview" hx-post="${href}/preview" hx-target="#sync-preview" hx-swap="outerHTML" hx-indicator="#preview-busy" hx-disabled-elt="find button" class="inline">${csrfField(ctx)}<button type="submit" class="link">Preview sync</button> <span id="preview-busy" class="htmx-indicator">Asking the forge…</span></form>
${v.activeSyncJob ? syncJobStatus(ctx, v.org, v.activeSyncJob) : html`<div id="sync-status"></div>`}
<div id="sync-preview"></div>`
  : html`<p>Not synced with a forge: members are added with <code>packyard org member add ${v.org} LOGIN</code>.</p>`}
</section>
${v.sync
  ? html`<h2>Last sync runs</h2>
${v.runs.length
    ? html`<table class="runs"><thead><tr><th>Run</th><th>Status</th><th>Trigger</th><th>Started</th><th>Summary</th></tr></thead><tbody>
${v.runs.map(
  (r) => html`<tr><td>#${r.id}</td><td><span class="badge ${r.status === 'failed' ? 'error' : r.status === 'applied' || r.status === 'unchanged' ? 'ok' : ''}">${r.status}</span></td><td>${r.trigger}</td>
<td class="time">${formatTime(r.startedAt)}${r.finishedAt ? html` (${Math.max(0, r.finishedAt - r.startedAt)} ms)` : ''}</td>
<td>${summaryText(r.summary)}${r.error ? html`<pre class="error">${r.error}</pre>` : ''}${r.notes?.length ? html`<ul class="notes">${r.notes.map((n) => html`<li>Note: ${n}</li>`)}</ul>` : ''}</td></tr>`,
)}
</tbody></table>`
    : html`<p class="empty">No sync has run yet.</p>`}`
  : ''}
${v.sync && v.webhooks ? webhooksCard(v.webhooks) : ''}
${v.deletable ? deleteOrgCard(ctx, v.org, v.deletable.fromConfig) : ''}`,
    crumbs(ctx, v.org, href, 'settings'),
  );
}
