// The sign-in page: one button per forge with OAuth configured, then the local password login.
import { html, type Html } from './html.js';
import { layout, type ViewContext } from './layout.js';

export interface LoginView {
  /** The pre-session CSRF token (double-submit: the same value is in a cookie). */
  loginCsrf: string;
  next: string;
  login?: string;
  error?: string;
  /** Integrations with forge sign-in (GET /login/ID). */
  forges?: ReadonlyArray<{ id: string; label: string }>;
}

export function loginPage(ctx: ViewContext, v: LoginView): Html {
  return layout(
    ctx,
    'Sign in',
    html`<section class="card narrow">
<h1>Sign in</h1>
${v.error ? html`<p class="error" role="alert">${v.error}</p>` : ''}
${(v.forges ?? []).length > 0
  ? html`<ul class="forge-login">${(v.forges ?? []).map((f) => html`<li><a class="button" href="${ctx.base}/login/${f.id}${v.next !== '/' ? `?next=${encodeURIComponent(v.next)}` : ''}">Sign in with ${f.label}</a></li>`)}</ul>`
  : ''}
<form method="post" action="${ctx.base}/login">
  <input type="hidden" name="_csrf" value="${v.loginCsrf}">
  <input type="hidden" name="next" value="${v.next}">
  <label>Login <input name="login" autocomplete="username" required value="${v.login ?? ''}" autofocus></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
  <button type="submit">Sign in</button>
</form>
<p class="hint">Local accounts are created with <code>packyard user create LOGIN --admin --password-stdin</code>.</p>
</section>`,
  );
}
