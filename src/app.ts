// buildApp(deps): the fastify instance with every plugin and route registered explicitly.
// It never listens; main.ts (or a test) decides where.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config/schema.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { isAppError } from './domain/errors.js';
import { composerRoutes, type ComposerRouteDeps } from './http/routes/composer.js';
import { apiRoutes, type ApiDeps } from './http/routes/api.js';
import { hookRoutes, type HookDeps } from './http/routes/hooks.js';
import { forgeHookRoutes, type ForgeHookDeps } from './http/routes/forge-hooks.js';
import { healthRoutes, type HealthDeps } from './http/routes/health.js';
import { uiRoutes, wantsHtml404 } from './http/routes/ui/index.js';
import type { UiDeps } from './http/routes/ui/support.js';
import { metricsRoutes, type MetricsRouteDeps } from './http/routes/metrics.js';

/** What the app's own hooks use, and what each route module declares (compose.ts's Deps has it all). */
export type AppDeps = {
  config: Pick<Config, 'server'>;
  log: Logger;
  metrics: Pick<Metrics, 'httpRequests' | 'httpDuration'>;
} & HealthDeps & MetricsRouteDeps & HookDeps & ForgeHookDeps & ApiDeps & UiDeps & ComposerRouteDeps;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // No per-request logger: creating a child logger for every request cost more than the
    // composer endpoints themselves (docs/benchmarks.md); failures are logged below.
    logger: false,
    trustProxy: deps.config.server.trust_proxy,
    bodyLimit: 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
  });

  const log = deps.log.child({ module: 'http' });
  app.addHook('onRequest', (_req, reply, done) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    done();
  });
  const { httpRequests, httpDuration } = deps.metrics;
  app.addHook('onResponse', (req, reply, done) => {
    // The route pattern, never the raw URL (unbounded label values); unmatched URLs share one.
    const route = req.routeOptions.url ?? 'unmatched';
    httpRequests.inc({ route, method: req.method, status: reply.statusCode });
    httpDuration.observe({ route, method: req.method }, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500) log.warn({ method: req.method, url: req.routeOptions.url, status: reply.statusCode, reqId: req.id }, 'request failed');
    done();
  });

  app.setErrorHandler((err, req, reply) => {
    if (isAppError(err)) {
      const status = err.httpStatus;
      if (status >= 500) log.error({ code: err.code, err: err.message, reqId: req.id }, 'request error');
      return reply.code(status).send({ status: 'error', code: err.code, message: status >= 500 ? 'Internal error' : err.message });
    }
    const e = err as { statusCode?: number; validation?: unknown; message?: string };
    if (e.validation || (e.statusCode && e.statusCode < 500)) {
      return reply.code(e.statusCode ?? 400).send({ status: 'error', code: 'BAD_REQUEST', message: e.message });
    }
    log.error({ err, reqId: req.id, url: req.routeOptions.url }, 'unexpected error');
    return reply.code(500).send({ status: 'error', code: 'INTERNAL', message: 'Internal error' });
  });

  healthRoutes(app, deps);
  metricsRoutes(app, deps);
  hookRoutes(app, deps);
  forgeHookRoutes(app, deps);
  apiRoutes(app, deps);
  const uiNotFound = uiRoutes(app, deps);
  composerRoutes(app, deps);
  // Browsers get the UI's 404 page; composer, hooks, the API and monitors keep the JSON answer.
  app.setNotFoundHandler((req, reply) => (wantsHtml404(req) ? uiNotFound(req, reply) : reply.code(404).send({ status: 'error', message: 'Not found' })));
  await app.ready();
  return app;
}
