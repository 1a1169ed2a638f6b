// packyard token create | list | revoke
import type { Command } from 'commander';
import { actor, fail, withDeps, type GlobalOptions } from './context.js';
import { createToken, listTokens, revokeToken, type TokenListing } from '../services/tokens.js';

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
  token
    .command('list')
    .description('list tokens (never the secret): id, owner, organization, scope, name, last use')
    .option('--org <org>', "the organization's tokens: its CI tokens and user tokens narrowed to it")
    .option('--user <login>', "the user's tokens, for every organization")
    .option('--all', 'revoked and expired tokens too')
    .action(async (opts: { org?: string; user?: string; all?: boolean }) => {
      try {
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          const rows = listTokens(deps.db, { org: opts.org, user: opts.user, all: opts.all ?? false });
          process.stdout.write(formatTokenTable(rows));
          if (rows.length === 0) process.stderr.write(`packyard: no ${opts.all ? '' : 'active '}tokens\n`);
        });
      } catch (e) {
        fail(e);
      }
    });
  token
    .command('revoke <id>')
    .description('revoke a token (by the id token list shows); it stops working on the next request')
    .action(async (id: string) => {
      try {
        if (!/^\d{1,12}$/.test(id)) throw new Error(`the token id must be a number, as token list shows it (got "${id}")`);
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          revokeToken(deps.db, Number(id), actor());
          process.stderr.write(`packyard: token ${id} revoked\n`);
        });
      } catch (e) {
        fail(e);
      }
    });
}

const day = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));

/** Tab-separated with a header line: easy to read and to cut/awk. */
export function formatTokenTable(rows: readonly TokenListing[]): string {
  if (rows.length === 0) return '';
  const lines = [['ID', 'OWNER', 'ORG', 'SCOPE', 'NAME', 'LAST USED', 'STATUS'].join('\t')];
  for (const t of rows) {
    lines.push([
      String(t.id), t.owner ?? `org ${t.org ?? '?'}`, t.org ?? 'all orgs', t.scope, t.name.replace(/[\t\r\n]+/g, ' '), day(t.lastUsedAt),
      t.status === 'active' && t.expiresAt !== null ? `active (expires ${day(t.expiresAt).slice(0, 10)})` : t.status,
    ].join('\t'));
  }
  return `${lines.join('\n')}\n`;
}
