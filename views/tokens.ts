// A user's tokens for one organization: create (scope, expiry; the secret is shown once),
// revoke (after a confirmation page), last used; owners also see every token reaching the organization.
import { html, type Html } from './html.js';
import { csrfField, formatTime, layout, type ViewContext } from './layout.js';
import { orgNav, type OrgLinks } from './org-nav.js';

export interface TokenView {
  id: number;
  name: string;
  hint: string;
  scope: 'read' | 'update';
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
  /** The user a token belongs to (null: an organization token); shown in the owners' list. */
  owner?: string | null;
}

export interface TokensPageView {
  org: string;
  tokens: readonly TokenView[];
  /** The other tokens reaching the organization (its CI tokens, others' user tokens narrowed to it); null when the user may not manage them. */
  orgTokens?: readonly TokenView[] | null;
  /** A token just created: its secret, shown this once. */
  created?: { token: string; name: string } | undefined;
  error?: string | undefined;
  form?: { name: string; scope: string; expires: string; owner: string } | undefined;
  /** The organization's other pages this user may open. */
  links?: OrgLinks | undefined;
}

/** Revoking leads to a confirmation page first (a GET link; the page's form posts). */
function tokenTable(ctx: ViewContext, action: string, tokens: readonly TokenView[], withOwner = false): Html {
  if (tokens.length === 0) return html`<p class="empty">No tokens yet.</p>`;
  return html`<div class="scroll"><table><thead><tr>${withOwner ? html`<th>Owner</th>` : ''}<th>Name</th><th>Token</th><th>Scope</th><th>Expires</th><th>Last used</th><th></th></tr></thead><tbody>
${tokens.map(
  (t) => html`<tr${t.revokedAt ? html` class="revoked"` : ''}>${withOwner ? html`<td>${t.owner ?? html`<span class="muted">organization (CI)</span>`}</td>` : ''}<td>${t.name}</td><td><code>${t.hint}</code></td><td>${t.scope}</td>
<td class="time">${t.expiresAt ? formatTime(t.expiresAt) : 'never'}</td><td class="time">${formatTime(t.lastUsedAt)}</td>
<td>${t.revokedAt
    ? html`revoked ${formatTime(t.revokedAt)}`
    : html`<a class="button danger" href="${action}/${t.id}/revoke">Revoke…</a>`}</td></tr>`,
)}
</tbody></table></div>`;
}

export function tokensPage(ctx: ViewContext, v: TokensPageView): Html {
  const action = `${ctx.base}/${v.org}/-/tokens`;
  const f = v.form ?? { name: '', scope: 'read', expires: '', owner: 'me' };
  return layout(
    ctx,
    `Tokens · ${v.org}`,
    html`<h1>Tokens for ${v.org}</h1>
${v.links ? orgNav(ctx, v.org, v.links) : ''}
${v.created
  ? html`<section class="card created" role="status"><h2>Token "${v.created.name}" created</h2>
  <p>Copy it now: it is shown only once.</p><pre id="new-token">${v.created.token}</pre>
  <button type="button" class="copy" data-copy="new-token">Copy</button></section>`
  : ''}
<section class="card">
  <h2>New token</h2>
  ${v.error ? html`<p class="error" role="alert">${v.error}</p>` : ''}
  <form method="post" action="${action}" class="grid">
    ${csrfField(ctx)}
    <label>Name <input name="name" maxlength="100" value="${f.name}" placeholder="laptop, CI…"></label>
    <label>Scope <select name="scope">
      <option value="read"${f.scope === 'read' ? ' selected' : ''}>read: install packages</option>
      <option value="update"${f.scope === 'update' ? ' selected' : ''}>update: read and trigger updates</option>
    </select></label>
    <label>Expires <input name="expires" type="date" value="${f.expires}"></label>
    ${v.orgTokens
      ? html`<label>For <select name="owner">
      <option value="me"${f.owner === 'me' ? ' selected' : ''}>me (my access)</option>
      <option value="org"${f.owner === 'org' ? ' selected' : ''}>the organization (CI: reads every package)</option>
    </select></label>`
      : ''}
    <button type="submit">Create token</button>
  </form>
</section>
<h2>Your tokens</h2>
${tokenTable(ctx, action, v.tokens)}
${v.orgTokens ? html`<h2>Other tokens reaching ${v.org}</h2><p class="hint">Its CI tokens and the other members' tokens narrowed to ${v.org}.</p>${tokenTable(ctx, action, v.orgTokens, true)}` : ''}`,
    [
      { href: `${ctx.base}/${v.org}/`, label: v.org },
      { href: action, label: 'tokens' },
    ],
  );
}
