// The page shell every UI page shares: head (own stylesheet, vendored htmx, no inline script),
// the top bar with the signed-in user and logout, and the CSRF header for htmx requests.
import { html, type Html } from './html.js';

export interface ViewContext {
  /** Path prefix of public_url (empty at the root), put before every link. */
  base: string;
  /** The versioned htmx path, e.g. /static/htmx-2.0.11.min.js. */
  htmxPath: string;
  user: { login: string; isAdmin: boolean } | null;
  /** The session's CSRF token (null before login). */
  csrf: string | null;
}

/** The hidden form field every state-changing form carries. */
export function csrfField(ctx: ViewContext): Html {
  return ctx.csrf ? html`<input type="hidden" name="_csrf" value="${ctx.csrf}">` : html``;
}

export function layout(ctx: ViewContext, title: string, body: Html, crumbs: readonly { href: string; label: string }[] = []): Html {
  const hxHeaders = ctx.csrf ? JSON.stringify({ 'X-CSRF-Token': ctx.csrf }) : null;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content="${JSON.stringify({ includeIndicatorStyles: false, allowEval: false, allowScriptTags: false, selfRequestsOnly: true })}">
<title>${title} · Packyard</title>
<link rel="icon" href="${ctx.base}/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${ctx.base}/static/app.css">
<script src="${ctx.base}${ctx.htmxPath}" defer></script>
<script src="${ctx.base}/static/app.js" defer></script>
</head>
<body${hxHeaders ? html` hx-headers="${hxHeaders}"` : ''}>
<header class="top">
  <a class="brand" href="${ctx.base}/">Packyard</a>
  <nav class="crumbs">${crumbs.map((c) => html`<span>/</span> <a href="${c.href}">${c.label}</a> `)}</nav>
  ${ctx.user
    ? html`<form class="logout" method="post" action="${ctx.base}/logout">${csrfField(ctx)}${ctx.user.isAdmin ? html`<a class="admin-link" href="${ctx.base}/-/users">Users</a> <a class="admin-link" href="${ctx.base}/-/tokens">Tokens</a> ` : ''}<a class="who" href="${ctx.base}/-/profile">${ctx.user.login}${ctx.user.isAdmin ? ' (admin)' : ''}</a> <button type="submit" class="link">Sign out</button></form>`
    : ''}
</header>
<main>
${body}
</main>
</body>
</html>
`;
}

export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return 'never';
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
