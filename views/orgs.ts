// The organizations list (home), and an organization's page: its packages with search as you
// type (the rows are the htmx fragment) and the composer set-up commands for this host.
import { html, type Html } from './html.js';
import { formatTime, layout, type ViewContext } from './layout.js';
import { orgNav, type OrgLinks } from './org-nav.js';

export interface OrgListItem {
  name: string;
  role: 'owner' | 'member' | null;
  synced: boolean;
  packages: number;
}

export function homePage(ctx: ViewContext, orgs: readonly OrgListItem[], opts: { canCreateOrg?: boolean } = {}): Html {
  const body = orgs.length
    ? html`<ul class="list">${orgs.map(
        (o) => html`<li><a href="${ctx.base}/${o.name}/"><strong>${o.name}</strong></a>
  <span class="meta">${o.role ?? (ctx.user?.isAdmin ? 'admin' : 'reader')} · ${o.packages} package${o.packages === 1 ? '' : 's'}${o.synced ? ' · synced' : ''}</span></li>`,
      )}</ul>`
    : opts.canCreateOrg
      ? html`<p class="empty">No organization exists yet.</p>`
      : html`<p class="empty">You do not belong to any organization yet. An admin adds you with <code>packyard org member add ORG LOGIN</code>.</p>`;
  const create = opts.canCreateOrg ? html`<p class="actions"><a class="new-org" href="${ctx.base}/-/orgs/new">New organization</a></p>` : '';
  return layout(ctx, 'Organizations', html`<h1>Organizations</h1>${create}${body}`);
}

export interface PackageRowView {
  name: string | null;
  url: string;
  description: string | null;
  status: 'new' | 'ok' | 'error';
  lastUpdatedAt: number | null;
}

export function packageHref(ctx: ViewContext, org: string, name: string): string {
  return `${ctx.base}/${org}/-/packages/${name}`;
}

/** Where the rows continue: the next page's offset and how many rows are left from there. */
export interface PackageRowsMore {
  offset: number;
  remaining: number;
}

/**
 * The htmx fragment the search box swaps in: one page of rows plus, when there are more, a
 * "more" row that loads the next page in its place (a plain link without JavaScript).
 */
export function packageRows(ctx: ViewContext, org: string, rows: readonly PackageRowView[], q: string, more: PackageRowsMore | null = null): Html {
  if (rows.length === 0) return html`<tr><td colspan="3" class="empty">${q ? `No package matches "${q}".` : 'No packages yet.'}</td></tr>`;
  const moreUrl = more ? `${ctx.base}/${org}/-/packages?${new URLSearchParams({ ...(q ? { q } : {}), offset: String(more.offset) }).toString()}` : '';
  return html`${rows.map(
    (r) => html`<tr>
  <td>${r.name ? html`<a href="${packageHref(ctx, org, r.name)}">${r.name}</a>` : html`<span class="muted">${r.url}</span>`}
    ${r.description ? html`<div class="desc">${r.description}</div>` : ''}</td>
  <td><span class="badge ${r.status}">${r.status === 'new' ? 'importing' : r.status}</span></td>
  <td class="time">${formatTime(r.lastUpdatedAt)}</td>
</tr>`,
  )}${more
    ? html`<tr id="package-more"><td colspan="3"><a href="${moreUrl}" hx-get="${moreUrl}" hx-target="#package-more" hx-swap="outerHTML">More packages (${more.remaining} more)</a></td></tr>`
    : ''}`;
}

export interface OrgPageView {
  org: string;
  synced: boolean;
  /** One page of rows; `more` says where the list continues. */
  rows: readonly PackageRowView[];
  more?: PackageRowsMore | null;
  q: string;
  /** public_url without a trailing slash. */
  publicUrl: string;
  canCreateTokens: boolean;
  /** The organization's other pages this user may open. */
  links?: OrgLinks | undefined;
}

export function composerSetup(org: string, publicUrl: string): string {
  const u = new URL(publicUrl);
  const host = u.host;
  // composer refuses plain-http repositories unless secure-http is turned off for the project.
  const insecure = u.protocol === 'http:' ? 'composer config secure-http false\n' : '';
  return `${insecure}composer config repositories.${org} composer ${publicUrl}/${org}/\ncomposer config --auth http-basic.${host} token YOUR_TOKEN`;
}

export function orgPage(ctx: ViewContext, v: OrgPageView): Html {
  const searchUrl = `${ctx.base}/${v.org}/-/packages`;
  return layout(
    ctx,
    v.org,
    html`<h1>${v.org}${v.synced ? html` <span class="badge">synced</span>` : ''}</h1>
${v.links ? orgNav(ctx, v.org, v.links) : ''}
<section>
  <h2>Packages</h2>
  <form method="get" action="${searchUrl}" class="search" role="search">
    <input type="search" name="q" value="${v.q}" placeholder="Search packages" aria-label="Search packages"
      hx-get="${searchUrl}" hx-trigger="input changed delay:200ms, search" hx-target="#package-rows">
  </form>
  <div class="scroll"><table class="packages"><thead><tr><th>Package</th><th>Status</th><th>Last update</th></tr></thead>
  <tbody id="package-rows">${packageRows(ctx, v.org, v.rows, v.q, v.more ?? null)}</tbody></table></div>
</section>
<section class="card">
  <h2>Use it with composer</h2>
  <p>In your project, run:</p>
  <pre id="composer-setup">${composerSetup(v.org, v.publicUrl)}</pre>
  <button type="button" class="copy" data-copy="composer-setup">Copy</button>
  <p class="hint">${v.canCreateTokens ? html`Replace YOUR_TOKEN with a token from <a href="${ctx.base}/${v.org}/-/tokens">your tokens</a>.` : 'Replace YOUR_TOKEN with a token an owner gives you.'}</p>
</section>`,
    [{ href: `${ctx.base}/${v.org}/`, label: v.org }],
  );
}
