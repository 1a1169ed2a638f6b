// packyard org create | org member add
import type { Command } from 'commander';
import { actor, fail, withDeps, type GlobalOptions } from './context.js';
import { addOrgMember, createOrg } from '../services/orgs.js';

export function registerOrg(program: Command): void {
  const org = program.command('org').description('organizations (each is a repository at /NAME/)');
  org
    .command('create <name>')
    .description('create an organization; its repository URL is PUBLIC_URL/NAME/')
    .action(async (name: string) => {
      try {
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          createOrg(deps.db, name, actor());
          process.stdout.write(`${deps.config.server.public_url}/${name}/\n`);
        });
      } catch (e) {
        fail(e);
      }
    });
  const member = org.command('member').description('members of an unsynced organization');
  member
    .command('add <org> <login>')
    .description('add a user to an unsynced organization')
    .option('--role <role>', 'owner or member', 'member')
    .action(async (orgName: string, login: string, opts: { role: string }) => {
      try {
        if (opts.role !== 'owner' && opts.role !== 'member') throw new Error(`--role must be owner or member (got "${opts.role}")`);
        const role = opts.role;
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          addOrgMember(deps.db, orgName, login, role, actor());
          process.stderr.write(`packyard: ${login} is now ${role} of ${orgName}\n`);
        });
      } catch (e) {
        fail(e);
      }
    });
}
