// Error pages: forbidden (CSRF), not found, too many attempts.
import { html, type Html } from './html.js';
import { layout, type ViewContext } from './layout.js';

export function errorPage(ctx: ViewContext, title: string, message: string): Html {
  return layout(ctx, title, html`<section class="card"><h1>${title}</h1><p>${message}</p><p><a href="${ctx.base}/">Back to your organizations</a></p></section>`);
}
