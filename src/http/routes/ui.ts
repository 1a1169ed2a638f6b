// The web UI's entry page. Step 5 builds the real UI (views/, htmx); until then the home page
// tells an admin how to use the repository from the command line.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../compose.js';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export function uiRoutes(app: FastifyInstance, deps: Deps): void {
  app.get('/', (_req, reply) => {
    const url = escapeHtml(deps.config.server.public_url);
    reply.type('text/html; charset=utf-8').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Packyard</title></head>
<body><h1>Packyard</h1>
<p>A private Composer repository. Each organization is served at <code>${url}/ORG/</code>.</p>
<pre>composer config repositories.ORG composer ${url}/ORG/
composer config --auth http-basic.${escapeHtml(new URL(deps.config.server.public_url).host)} token YOUR_TOKEN</pre>
</body></html>`);
  });
}
