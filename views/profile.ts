// The signed-in user's profile: connected forge accounts and links to connect another one.
import { html, type Html } from './html.js';
import { formatTime, layout, type ViewContext } from './layout.js';

export interface ProfileView {
  login: string;
  identities: ReadonlyArray<{ integration: string; login: string; externalId: string; createdAt: number }>;
  /** OAuth-enabled integrations the user has no account on yet. */
  available: ReadonlyArray<{ id: string; label: string }>;
}

export function profilePage(ctx: ViewContext, v: ProfileView): Html {
  return layout(
    ctx,
    'Profile',
    html`<section class="card">
<h1>${v.login}</h1>
<h2>Forge accounts</h2>
${v.identities.length === 0
  ? html`<p class="hint">No forge account is connected.</p>`
  : html`<table class="identities">
<thead><tr><th>Integration</th><th>Login</th><th>Id</th><th>Connected</th></tr></thead>
<tbody>${v.identities.map((i) => html`<tr><td>${i.integration}</td><td>${i.login}</td><td>${i.externalId}</td><td>${formatTime(i.createdAt)}</td></tr>`)}</tbody>
</table>`}
${v.available.length > 0
  ? html`<ul class="connect">${v.available.map((a) => html`<li><a class="button" href="${ctx.base}/login/${a.id}?link=1">Connect ${a.label}</a></li>`)}</ul>`
  : ''}
</section>`,
    [{ href: `${ctx.base}/-/profile`, label: 'Profile' }],
  );
}
