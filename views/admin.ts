// The instance admin's pages: every user (disable, enable, delete) and every token (revoke);
// each action leads to a confirmation page first.
import { html, type Html } from './html.js';
import { formatTime, layout, type ViewContext } from './layout.js';
import { dangerLink } from './confirm.js';

export interface AdminUserView {
  login: string;
  name: string | null;
  isAdmin: boolean;
  hasPassword: boolean;
  disabledAt: number | null;
  createdAt: number;
}

export interface AdminTokenView {
  id: number;
  owner: string | null;
  org: string | null;
  scope: string;
  name: string;
  hint: string;
  lastUsedAt: number | null;
  expiresAt: number | null;
  status: 'active' | 'expired' | 'revoked';
}

function adminNav(ctx: ViewContext): Html {
  return html`<nav class="org-nav"><a class="org-link" href="${ctx.base}/-/users">Users</a> <a class="org-link" href="${ctx.base}/-/tokens">Tokens</a></nav>`;
}

export function usersPage(ctx: ViewContext, users: readonly AdminUserView[]): Html {
  const me = ctx.user?.login;
  return layout(
    ctx,
    'Users',
    html`<h1>Users</h1>
${adminNav(ctx)}
<p class="hint">Disabling a user ends their sessions and revokes their tokens at once; enabling them again does not bring the tokens back. Deleting removes their memberships too; the audit trail keeps their login.</p>
<div class="scroll"><table class="users"><thead><tr><th>Login</th><th>Name</th><th>Role</th><th>Sign-in</th><th>Status</th><th>Created</th><th></th></tr></thead><tbody>
${users.map((u) => {
  const href = `${ctx.base}/-/users/${encodeURIComponent(u.login)}`;
  const actions = u.login === me
    ? html`<span class="muted">you</span>`
    : html`${u.disabledAt === null ? dangerLink(`${href}/disable`, 'Disable…') : html`<a class="button" href="${href}/enable">Enable…</a>`} ${dangerLink(`${href}/delete`, 'Delete…')}`;
  return html`<tr${u.disabledAt !== null ? html` class="disabled"` : ''}><td>${u.login}</td><td>${u.name ?? ''}</td><td>${u.isAdmin ? 'instance admin' : 'user'}</td>
<td>${u.hasPassword ? 'password' : 'forge'}</td><td>${u.disabledAt === null ? 'active' : `disabled ${formatTime(u.disabledAt)}`}</td><td class="time">${formatTime(u.createdAt)}</td><td>${actions}</td></tr>`;
})}
</tbody></table></div>`,
    [{ href: `${ctx.base}/-/users`, label: 'users' }],
  );
}

/** A token table with owner and organization; `revokeBase` + `/ID/revoke` leads to the confirmation. */
export function tokenListTable(tokens: readonly AdminTokenView[], revokeBase: string | null): Html {
  if (tokens.length === 0) return html`<p class="empty">No tokens.</p>`;
  return html`<div class="scroll"><table class="tokens"><thead><tr><th>ID</th><th>Owner</th><th>Organization</th><th>Scope</th><th>Name</th><th>Token</th><th>Last used</th><th>Status</th><th></th></tr></thead><tbody>
${tokens.map((t) => html`<tr${t.status !== 'active' ? html` class="revoked"` : ''}><td>${t.id}</td><td>${t.owner ?? html`<span class="muted">organization (CI)</span>`}</td>
<td>${t.org ?? 'all orgs'}</td><td>${t.scope}</td><td>${t.name}</td><td><code>${t.hint}</code></td><td class="time">${formatTime(t.lastUsedAt)}</td>
<td>${t.status === 'active' && t.expiresAt !== null ? `expires ${formatTime(t.expiresAt)}` : t.status}</td>
<td>${t.status === 'active' && revokeBase ? dangerLink(`${revokeBase}/${t.id}/revoke`, 'Revoke…') : ''}</td></tr>`)}
</tbody></table></div>`;
}

export function allTokensPage(ctx: ViewContext, tokens: readonly AdminTokenView[], all: boolean): Html {
  const href = `${ctx.base}/-/tokens`;
  return layout(
    ctx,
    'Tokens',
    html`<h1>Every token</h1>
${adminNav(ctx)}
<p>${all ? html`Showing revoked and expired tokens too. <a href="${href}">Active only</a>` : html`Active tokens. <a href="${href}?all=1">Show revoked and expired too</a>`}</p>
${tokenListTable(tokens, href)}`,
    [{ href, label: 'tokens' }],
  );
}
