// packyard user create | disable | enable | delete
import type { Command } from 'commander';
import { actor, fail, readStdin, withDeps, type GlobalOptions } from './context.js';
import { createUser, deleteUser, disableUser, enableUser } from '../services/users.js';

export function registerUser(program: Command): void {
  const user = program.command('user').description('local users');
  user
    .command('create <login>')
    .description('create a local user')
    .option('--admin', 'instance admin: every organization, UI password login')
    .option('--password-stdin', 'read a password for UI login from standard input')
    .action(async (login: string, opts: { admin?: boolean; passwordStdin?: boolean }) => {
      try {
        const password = opts.passwordStdin ? await readStdin() : undefined;
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          createUser(deps.db, login, { admin: opts.admin ?? false, ...(password !== undefined ? { password } : {}) }, actor());
          process.stderr.write(`packyard: user ${login} created${opts.admin ? ' (admin)' : ''}\n`);
        });
      } catch (e) {
        fail(e);
      }
    });
  user
    .command('disable <login>')
    .description("disable a user: ends their sessions and revokes their tokens at once; the audit trail stays")
    .action(async (login: string) => {
      try {
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          const r = disableUser(deps.db, login, actor());
          process.stderr.write(`packyard: user ${login} disabled (${r.sessions} sessions ended, ${r.tokens} tokens revoked)\n`);
        });
      } catch (e) {
        fail(e);
      }
    });
  user
    .command('enable <login>')
    .description('enable a disabled user again (tokens revoked by disable stay revoked)')
    .action(async (login: string) => {
      try {
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          enableUser(deps.db, login, actor());
          process.stderr.write(`packyard: user ${login} enabled; tokens revoked when it was disabled stay revoked\n`);
        });
      } catch (e) {
        fail(e);
      }
    });
  user
    .command('delete <login>')
    .description('delete a user with their memberships, tokens and sessions (audit rows keep the login)')
    .action(async (login: string) => {
      try {
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          deleteUser(deps.db, login, actor());
          process.stderr.write(`packyard: user ${login} deleted\n`);
        });
      } catch (e) {
        fail(e);
      }
    });
}
