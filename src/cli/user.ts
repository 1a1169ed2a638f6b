// packyard user create
import type { Command } from 'commander';
import { actor, fail, readStdin, withDeps, type GlobalOptions } from './context.js';
import { createUser } from '../services/users.js';

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
}
