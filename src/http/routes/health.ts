// Liveness and readiness: alive while the process serves; ready once the database is open and
// every migration has run.
import type { FastifyInstance } from 'fastify';
import { pendingMigrations, type Sqlite } from '../../db/client.js';

/** Readiness asks the database. */
export interface HealthDeps {
  sqlite: Sqlite;
}

export function healthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get('/healthz', (_req, reply) => reply.header('Cache-Control', 'no-store').send({ status: 'ok' }));
  app.get('/readyz', (_req, reply) => {
    try {
      deps.sqlite.prepare('SELECT 1').get();
      const pending = pendingMigrations(deps.sqlite);
      if (pending > 0) return reply.code(503).send({ status: 'not ready', pending_migrations: pending });
      return reply.header('Cache-Control', 'no-store').send({ status: 'ready' });
    } catch {
      return reply.code(503).send({ status: 'not ready', database: 'unavailable' });
    }
  });
}
