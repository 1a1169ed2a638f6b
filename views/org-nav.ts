// The organization's menu (the admin pages a user may open) and the breadcrumbs of its pages:
// shared by the org page and every admin page, so no page module imports another.
import { html, type Html } from './html.js';
import type { ViewContext } from './layout.js';

/** The organization's pages this user may open (shown on the org page and each admin page). */
export interface OrgLinks {
  addPackage: boolean;
  teams: boolean;
  manage: boolean;
  /** May hold tokens for the organization (its members and admins). */
  tokens?: boolean;
}

export function orgNav(ctx: ViewContext, org: string, links: OrgLinks): Html {
  const base = `${ctx.base}/${org}/-`;
  const items: [string, string][] = [];
  if (links.addPackage) items.push([`${base}/packages/new`, 'Add package']);
  if (links.teams) items.push([`${base}/teams`, 'Teams and members']);
  if (links.manage) items.push([`${base}/settings`, 'Settings'], [`${base}/activity`, 'Activity'], [`${base}/audit`, 'Audit log']);
  if (links.tokens) items.push([`${base}/tokens`, 'Tokens']);
  if (items.length === 0) return html``;
  return html`<nav class="org-nav">${items.map(([href, label]) => html`<a class="org-link" href="${href}">${label}</a> `)}</nav>`;
}

export const crumbs = (ctx: ViewContext, org: string, href: string, label: string) => [
  { href: `${ctx.base}/${org}/`, label: org },
  { href, label },
];
