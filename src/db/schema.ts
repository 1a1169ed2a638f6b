// Drizzle table definitions, one file per area under src/db/schema/. Times are integer
// milliseconds since the epoch (UTC) everywhere. Migrations are generated from this file
// (npm run db:generate) and committed, never edited.
export * from './schema/accounts.js';
export * from './schema/packages.js';
export * from './schema/forge.js';
export * from './schema/ops.js';
