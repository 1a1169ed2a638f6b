// The fake's REST endpoints (paths relative to /api/v3), matched in order.

import { hookRoutes } from './routes-hooks.js';
import { orgRoutes } from './routes-org.js';
import { repoRoutes } from './routes-repo.js';
import type { Route } from './route-kit.js';

export type { Ctx, Route } from './route-kit.js';
export const routes: Route[] = [...orgRoutes, ...repoRoutes, ...hookRoutes];
