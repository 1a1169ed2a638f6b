// The fake GitLab's REST endpoints (paths relative to ROOT/api/v4), matched in order.

import { groupRoutes } from './routes-groups.js';
import { hookRoutes } from './routes-hooks.js';
import { projectRoutes } from './routes-projects.js';
import type { Route } from './route-kit.js';

export const routes: Route[] = [...projectRoutes, ...groupRoutes, ...hookRoutes];
