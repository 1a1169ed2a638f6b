// Import rules for src/ and views/, checked in CI by `npm run check:imports` (with
// scripts/check-forge-names.mjs, which looks at what dependency-cruiser cannot: string literals).
// DESIGN.md §4 and the style anchors' §9 table: lower layers never import higher ones, a forge's
// folder is private to src/forges/, and there is no import cycle (type-only imports count too:
// tsPreCompilationDeps is on, so `import type` edges are in the graph).
//
// The layers, lowest first, as the code has them (a module may import its own layer and any
// layer below it, except where a rule below says otherwise):
//   1. src/domain/        pure rules and types: no other src module, no npm package; node:crypto only
//   2. src/config/        the config schema, its loader: domain, src/forges/config.ts and
//                         src/forges/<type>/config.ts (each forge type's config schema)
//      src/log.ts, src/metrics.ts   leaves: no src module at all
//   3. src/db/            schema, client, repos: domain, log
//      src/vcs/           drivers for git/hg/svn: domain, log
//      src/forges/        the Forge contract, its HTTP client, the registry, one folder per forge
//                         type: domain, config, log, metrics (never db, vcs or anything above)
//   4. src/composer/      composer.json, metadata, dists: domain, db, vcs/types.ts, log
//   5. the job queue      src/jobs/{queue,requests,job-types,process-identity,lease,mutex,runner,
//                         wait,server-lease,schedule}.ts: db, domain, config, log. Services and
//                         sync enqueue work through it, so it sits below them.
//   6. src/services/      writes with policy and audit, reads for pages: domain, db, config, log,
//                         metrics, composer, vcs (never forges), and the job queue's enqueue surface
//                         (jobs/queue.ts, requests.ts, job-types.ts, process-identity.ts)
//   7. src/sync/          forge sync: forges (public modules), db, services, the enqueue surface
//   8. the job handlers   the other src/jobs/*.ts (update-package, build-dist, check-repo,
//                         check-source, housekeeping, sync-org): services, sync, composer, vcs, forges
//   9. views/             HTML rendering: views/, src/domain/; type-only imports of the shapes it
//                         renders from src/ (never from http, cli, compose, app or main)
//  10. src/http/          routes: services, jobs, sync, views, db reads, domain
//  11. src/app.ts         the Fastify app from the routes
//  12. src/compose.ts     builds the concrete dependencies (the `Deps` object) and hands each
//                         module the narrow interface it declares; imported by entries only
//  13. src/main.ts        the server process; src/cli/ the commands (src/cli/main.ts is the binary)
// Modules below compose.ts declare the narrow dependencies they use (e.g. `UpdateDeps`), which
// compose.ts's `Deps` satisfies structurally; none of them imports compose.ts.

/** The job queue's surface that services and sync may use to ask for work. */
const ENQUEUE_SURFACE = '^src/jobs/(queue|requests|job-types|process-identity)[.]ts$';
/** The lower half of src/jobs/: the queue and its machinery, below services. */
const JOB_QUEUE = '^src/jobs/(queue|requests|job-types|process-identity|lease|mutex|runner|wait|server-lease|schedule)[.]ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle anywhere in src/ and views/ (type-only imports included).',
      from: { path: '^(src|views)/' },
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'src/domain/ imports nothing but src/domain/ and node:crypto (hashing of tokens).',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '^(node:)?crypto$'] },
    },
    {
      name: 'config-imports-domain-only',
      severity: 'error',
      comment: 'src/config/ may import src/domain/ and the forge types\' config schemas (src/forges/config.ts, src/forges/<type>/config.ts) only.',
      from: { path: '^src/config/' },
      to: { path: '^(src|views)/', pathNot: ['^src/config/', '^src/domain/', '^src/forges/config[.]ts$', '^src/forges/[^/]+/config[.]ts$'] },
    },
    {
      name: 'log-and-metrics-are-leaves',
      severity: 'error',
      comment: 'src/log.ts and src/metrics.ts import no src module (everything may log and count).',
      from: { path: '^src/(log|metrics)[.]ts$' },
      to: { path: '^(src|views)/' },
    },
    {
      name: 'db-stays-low',
      severity: 'error',
      comment: 'src/db/ imports only src/db/, src/domain/ and src/log.ts: never services, jobs, sync, http, cli, forges, vcs or composer.',
      from: { path: '^src/db/' },
      to: { path: '^(src|views)/', pathNot: ['^src/db/', '^src/domain/', '^src/log[.]ts$'] },
    },
    {
      name: 'vcs-stays-low',
      severity: 'error',
      comment: 'src/vcs/ imports only src/vcs/, src/domain/ and src/log.ts.',
      from: { path: '^src/vcs/' },
      to: { path: '^(src|views)/', pathNot: ['^src/vcs/', '^src/domain/', '^src/log[.]ts$'] },
    },
    {
      name: 'forges-stay-low',
      severity: 'error',
      comment: 'src/forges/ imports only src/forges/, src/domain/, src/config/, src/log.ts and src/metrics.ts: never db, vcs, composer, services, jobs, sync, http, cli or compose.',
      from: { path: '^src/forges/' },
      to: { path: '^(src|views)/', pathNot: ['^src/forges/', '^src/domain/', '^src/config/', '^src/(log|metrics)[.]ts$'] },
    },
    {
      name: 'forge-folders-are-private',
      severity: 'error',
      comment: 'Nothing outside src/forges/ imports a forge type\'s folder (src/forges/<type>/**): the rest of the code goes through src/forges/registry.ts, types.ts, http*.ts and config.ts.',
      from: { path: '^(src|views)/', pathNot: '^src/forges/' },
      to: { path: '^src/forges/[^/]+/' },
    },
    {
      name: 'forge-folders-are-separate',
      severity: 'error',
      comment: 'A forge type\'s folder never imports another forge type\'s folder.',
      from: { path: '^src/forges/([^/]+)/' },
      to: { path: '^src/forges/[^/]+/', pathNot: '^src/forges/$1/' },
    },
    {
      name: 'composer-stays-low',
      severity: 'error',
      comment: 'src/composer/ imports only src/composer/, src/domain/, src/db/, src/vcs/types.ts and src/log.ts (repositories come in as parameters): never forges, services, jobs, sync, http, cli or compose.',
      from: { path: '^src/composer/' },
      to: { path: '^(src|views)/', pathNot: ['^src/composer/', '^src/domain/', '^src/db/', '^src/vcs/types[.]ts$', '^src/log[.]ts$'] },
    },
    {
      name: 'job-queue-below-services',
      severity: 'error',
      comment: 'The job queue (queue, requests, job-types, leases, mutexes, runner, schedule) imports only itself, src/db/, src/domain/, src/config/ and src/log.ts: never a job handler, services, sync, composer, vcs or forges.',
      from: { path: JOB_QUEUE },
      to: { path: '^(src|views)/', pathNot: [JOB_QUEUE, '^src/db/', '^src/domain/', '^src/config/', '^src/log[.]ts$'] },
    },
    {
      name: 'services-below-jobs-and-sync',
      severity: 'error',
      comment: 'src/services/ never imports forges, sync, http, cli, compose, app, main or views, and from src/jobs/ only the enqueue surface (queue, requests, job-types, process-identity).',
      from: { path: '^src/services/' },
      to: { path: '^(src/(jobs|sync|http|cli|forges)/|src/(compose|app|main)[.]ts$|views/)', pathNot: ENQUEUE_SURFACE },
    },
    {
      name: 'sync-below-job-handlers',
      severity: 'error',
      comment: 'src/sync/ never imports http, cli, compose, app, main or views, and from src/jobs/ only the enqueue surface.',
      from: { path: '^src/sync/' },
      to: { path: '^(src/(jobs|http|cli)/|src/(compose|app|main)[.]ts$|views/)', pathNot: ENQUEUE_SURFACE },
    },
    {
      name: 'jobs-below-http',
      severity: 'error',
      comment: 'src/jobs/ never imports http, cli, compose, app, main or views.',
      from: { path: '^src/jobs/' },
      to: { path: '^(src/(http|cli)/|src/(compose|app|main)[.]ts$|views/)' },
    },
    {
      name: 'views-render-only',
      severity: 'error',
      comment: 'views/ imports at run time nothing from src/ but src/domain/; type-only imports of the shapes it renders are allowed.',
      from: { path: '^views/' },
      to: { path: '^src/', pathNot: '^src/domain/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'views-never-above',
      severity: 'error',
      comment: 'views/ never imports (not even a type) from src/http/, src/cli/, src/jobs/, src/sync/, src/forges/ or the entries.',
      from: { path: '^views/' },
      to: { path: '^(src/(http|cli|jobs|sync|forges)/|src/(compose|app|main)[.]ts$)' },
    },
    {
      name: 'views-only-from-http',
      severity: 'error',
      comment: 'Only src/http/ (and views/ itself) renders views.',
      from: { path: '^src/', pathNot: '^src/http/' },
      to: { path: '^views/' },
    },
    {
      name: 'http-below-entries',
      severity: 'error',
      comment: 'src/http/ never imports src/cli/, compose.ts, app.ts or main.ts.',
      from: { path: '^src/http/' },
      to: { path: '^(src/cli/|src/(compose|app|main)[.]ts$)' },
    },
    {
      name: 'cli-is-an-entry',
      severity: 'error',
      comment: 'Nothing outside src/cli/ imports src/cli/.',
      from: { path: '^(src|views)/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'compose-only-from-entries',
      severity: 'error',
      comment: 'Only the entries (src/main.ts, src/cli/) import src/compose.ts; everything below declares the narrow dependencies it uses.',
      from: { path: '^(src|views)/', pathNot: ['^src/main[.]ts$', '^src/cli/'] },
      to: { path: '^src/compose[.]ts$' },
    },
    {
      name: 'compose-below-app',
      severity: 'error',
      comment: 'src/compose.ts builds what is below the routes: it never imports src/http/, views/, src/app.ts, src/main.ts or src/cli/.',
      from: { path: '^src/compose[.]ts$' },
      to: { path: '^(src/(http|cli)/|src/(app|main)[.]ts$|views/)' },
    },
    {
      name: 'app-and-main-only-from-entries',
      severity: 'error',
      comment: 'src/app.ts is imported by src/main.ts and src/cli/ only; src/main.ts by src/cli/ only.',
      from: { path: '^(src|views)/', pathNot: ['^src/main[.]ts$', '^src/cli/'] },
      to: { path: '^src/(app|main)[.]ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|test|scripts)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Imports name the .js the compiler emits; resolve them to the .ts sources.
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
