// Error pages: forbidden (CSRF), not found, too many attempts; signed-out visitors get a sign-in link.
import { html, type Html } from './html.js';
import { layout, type ViewContext } from './layout.js';

export function errorPage(ctx: ViewContext, title: string, message: string): Html {
  const next = ctx.user
    ? html`<a href="${ctx.base}/">Back to your organizations</a>`
    : html`<a href="${ctx.base}/login">Sign in</a>`;
  return layout(ctx, title, html`<section class="card"><h1>${title}</h1><p>${message}</p><p>${next}</p></section>`);
}
