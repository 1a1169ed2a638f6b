// packyard org create [--sync INTEGRATION:SOURCE …] | org delete | org member add | org member remove
import type { Command } from 'commander';
import { actor, fail, withDeps, type GlobalOptions } from './context.js';
import { addOrgMember, createOrganization, deleteOrganization, removeOrgMember, type OrgSyncInput } from '../services/orgs.js';
import { ORG_SYNC_DEFAULT_SETTINGS } from '../domain/orgs.js';

/** --sync INTEGRATION:SOURCE and the settings that only make sense with it. */
export function parseSyncOption(opts: { sync?: string; schedule?: string; autoAddPackages: boolean; installWebhooks: boolean }): OrgSyncInput | undefined {
  if (opts.sync === undefined) {
    const stray = [opts.schedule !== undefined && '--schedule', !opts.autoAddPackages && '--no-auto-add-packages', !opts.installWebhooks && '--no-install-webhooks'].filter(Boolean);
    if (stray.length) throw new Error(`${stray.join(', ')} only apply with --sync INTEGRATION:SOURCE`);
    return undefined;
  }
  const i = opts.sync.indexOf(':');
  if (i <= 0 || i === opts.sync.length - 1) throw new Error(`--sync must be INTEGRATION:SOURCE, e.g. ghe:acme (got "${opts.sync}")`);
  return {
    integration: opts.sync.slice(0, i),
    source: opts.sync.slice(i + 1),
    schedule: opts.schedule ?? ORG_SYNC_DEFAULT_SETTINGS.schedule,
    autoAddPackages: opts.autoAddPackages,
    installWebhooks: opts.installWebhooks,
  };
}

export function registerOrg(program: Command): void {
  const org = program.command('org').description('organizations (each is a repository at /NAME/)');
  org
    .command('create <name>')
    .description('create an organization; its repository URL is PUBLIC_URL/NAME/')
    .option('--sync <integration:source>', 'sync members, teams and packages from a forge (e.g. ghe:acme: an integration id, then the organization, group path or project keys on that forge)')
    .option('--schedule <cron>', `cron schedule of the sync (default "${ORG_SYNC_DEFAULT_SETTINGS.schedule}")`)
    .option('--no-auto-add-packages', 'do not add repositories with a composer.json as packages')
    .option('--no-install-webhooks', 'do not install the organization webhook on the forge')
    .action(async (name: string, opts: { sync?: string; schedule?: string; autoAddPackages: boolean; installWebhooks: boolean }) => {
      try {
        const sync = parseSyncOption(opts);
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          const { syncJobId } = createOrganization(deps, { name, ...(sync ? { sync } : {}) }, actor());
          process.stdout.write(`${deps.config.server.public_url}/${name}/\n`);
          if (syncJobId !== null) {
            process.stderr.write(`packyard: first sync of ${name} queued (job ${syncJobId}); the server runs it, or run it now with: packyard sync --org ${name}\n`);
          }
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
  member
    .command('remove <org> <login>')
    .description('remove a member from an unsynced organization (never its last owner)')
    .action(async (orgName: string, login: string) => {
      try {
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          removeOrgMember(deps.db, orgName, login, actor());
          process.stderr.write(`packyard: ${login} removed from ${orgName}\n`);
        });
      } catch (e) {
        fail(e);
      }
    });
  org
    .command('delete <name>')
    .description('delete an organization with its packages, members, credentials and tokens (not one from the config file)')
    .action(async (name: string) => {
      try {
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          const r = deleteOrganization(deps, name, actor());
          process.stderr.write(`packyard: organization ${name} deleted (${r.packages} packages); its files go at the next housekeeping\n`);
        });
      } catch (e) {
        fail(e);
      }
    });
}
