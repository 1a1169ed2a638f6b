// buildApp(deps): the fastify instance with every plugin and route registered explicitly.
// It never listens; main.ts (or a test) decides where.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Deps } from './compose.js';
import { isAppError } from './domain/errors.js';
import { composerRoutes } from './http/routes/composer.js';
import { apiRoutes } from './http/routes/api.js';
import { hookRoutes } from './http/routes/hooks.js';
import { healthRoutes } from './http/routes/health.js';
import { uiRoutes } from './http/routes/ui.js';

export async function buildApp(deps: Deps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log.child({ module: 'http' }) as FastifyBaseLogger,
    // Per-request lines would drown the log (composer revalidates every file on every run);
    // failures are logged by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: deps.config.server.trust_proxy,
    bodyLimit: 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode >= 500) req.log.warn({ method: req.method, url: req.routeOptions.url, status: reply.statusCode }, 'request failed');
  });

  app.setErrorHandler((err, req, reply) => {
    if (isAppError(err)) {
      const status = err.httpStatus;
      if (status >= 500) req.log.error({ code: err.code, err: err.message }, 'request error');
      return reply.code(status).send({ status: 'error', code: err.code, message: status >= 500 ? 'Internal error' : err.message });
    }
    const e = err as { statusCode?: number; validation?: unknown; message?: string };
    if (e.validation || (e.statusCode && e.statusCode < 500)) {
      return reply.code(e.statusCode ?? 400).send({ status: 'error', code: 'BAD_REQUEST', message: e.message });
    }
    req.log.error({ err }, 'unexpected error');
    return reply.code(500).send({ status: 'error', code: 'INTERNAL', message: 'Internal error' });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ status: 'error', message: 'Not found' }));

  healthRoutes(app, deps);
  hookRoutes(app, deps);
  apiRoutes(app, deps);
  uiRoutes(app, deps);
  composerRoutes(app, deps);
  await app.ready();
  return app;
}
