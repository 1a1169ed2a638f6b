// packyard token create
import type { Command } from 'commander';
import { actor, fail, withDeps, type GlobalOptions } from './context.js';
import { createToken } from '../services/tokens.js';

export function registerToken(program: Command): void {
  const token = program.command('token').description('access tokens for composer and the API');
  token
    .command('create')
    .description('create a token; prints it alone on stdout, once')
    .option('--user <login>', 'a user token: reads what the user may read')
    .option('--org <org>', 'an organization token (CI), or narrows a user token to one organization')
    .option('--scope <scope>', 'read, or update (read and trigger updates)', 'read')
    .option('--name <text>', 'a name to recognise the token by')
    .option('--expires <date>', 'last day the token works, YYYY-MM-DD')
    .action(async (opts: { user?: string; org?: string; scope: string; name?: string; expires?: string }) => {
      try {
        if (opts.scope !== 'read' && opts.scope !== 'update') throw new Error(`--scope must be read or update (got "${opts.scope}")`);
        const scope = opts.scope;
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          const t = createToken(deps.db, { user: opts.user, org: opts.org, scope, name: opts.name, expires: opts.expires }, actor());
          process.stdout.write(`${t.token}\n`);
          const host = new URL(deps.config.server.public_url).host;
          process.stderr.write(
            `packyard: token ${t.id} (${scope}${t.expiresAt ? `, expires ${new Date(t.expiresAt).toISOString().slice(0, 10)}` : ''}) created; it is shown only once.\n` +
              `  composer config --global --auth http-basic.${host} token <the token>\n`,
          );
        });
      } catch (e) {
        fail(e);
      }
    });
}
