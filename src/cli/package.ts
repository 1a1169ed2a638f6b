// packyard package add | update | show | remove | hook-url show|replace
import type { Command } from 'commander';
import { eq } from 'drizzle-orm';
import { credentials } from '../db/schema.js';
import { listHostKeys } from '../services/host-keys.js';
import { checkRepositoryUrl, sshHostOf } from '../vcs/url.js';
import { actor, fail, withDeps, type GlobalOptions } from './context.js';
import { addForgePackage, addPackage, describePackage, getPackageByName, listPackages, removePackage } from '../services/packages.js';
import { runOrWait } from '../jobs/wait.js';
import { hookUrlOf, rotateHookToken, storedHookUrl } from '../services/hook-urls.js';
import type { Config } from '../config/schema.js';
import type { JobQueue, JobRow } from '../jobs/queue.js';
import type { JobRunner } from '../jobs/runner.js';
import { VCS_TYPES, type VcsType } from '../vcs/types.js';
import { requestSync, requestUpdate } from '../jobs/requests.js';

function describeOutcome(label: string, job: JobRow): { line: string; ok: boolean } {
  const r = (job.result ?? {}) as { changed?: boolean; added?: string[]; removed?: string[]; updated?: string[]; skipped?: number; name?: string | null };
  if (job.status !== 'done') {
    const retry = job.status === 'queued' ? ' (the server will retry)' : '';
    return { line: `${label}: update failed: ${job.error ?? 'unknown error'}${retry}`, ok: false };
  }
  const name = r.name ?? label;
  if (!r.changed) return { line: `${name}: up to date${r.skipped ? ` (${r.skipped} refs skipped; see package show)` : ''}`, ok: true };
  const parts: string[] = [];
  const list = (xs: string[] | undefined) => (xs && xs.length > 0 ? `${xs.length} (${xs.slice(0, 10).join(', ')}${xs.length > 10 ? ', …' : ''})` : '0');
  parts.push(`added ${list(r.added)}`, `updated ${list(r.updated)}`, `removed ${list(r.removed)}`);
  if (r.skipped) parts.push(`${r.skipped} refs skipped (see package show)`);
  return { line: `${name}: ${parts.join('; ')}`, ok: true };
}

async function waitFor(deps: { queue: JobQueue; runner: JobRunner; config: Pick<Config, 'vcs'> }, job: JobRow): Promise<JobRow> {
  return runOrWait(deps.queue, deps.runner, job.id, (deps.config.vcs.timeout_seconds + 60) * 1000 * 3);
}

export function registerPackage(program: Command): void {
  const pkg = program.command('package').description('packages (repositories served to composer)');

  pkg
    .command('add [url]')
    .description('add a repository as a package and import it (waits); --repo OWNER/NAME for a synced forge repository')
    .requiredOption('--org <org>', 'the organization')
    .option('--type <type>', 'git, hg or svn (default: svn for svn:// and svn+ssh:// URLs, else git)')
    .option('--credential <name>', 'stored credential to reach the repository (bound to the URL\'s host if it has no hosts yet)')
    .option('--repo <owner/name>', "a repository of the organization's forge (synced organizations): cloned with the integration's credential")
    .option('--trunk-path <path>', 'svn: the trunk directory (default trunk; "false": none)')
    .option('--branches-path <path>', 'svn: the branches directory (default branches; "false": none)')
    .option('--tags-path <path>', 'svn: the tags directory (default tags; "false": none)')
    .option('--package-path <path>', 'svn: the package\'s sub-directory inside trunk, each branch and each tag')
    .action(async (url: string | undefined, opts: { org: string; type?: string; credential?: string; repo?: string; trunkPath?: string; branchesPath?: string; tagsPath?: string; packagePath?: string }) => {
      try {
        if ((url === undefined) === (opts.repo === undefined)) throw new Error('give a repository URL or --repo OWNER/NAME (not both)');
        if (opts.repo !== undefined) {
          const repo = opts.repo;
          const ok = await withDeps(program.opts<GlobalOptions>(), async (deps) => {
            const added = addForgePackage(deps.db, deps.queue, opts.org, repo, actor(), deps.box);
            // Its read access comes from the forge: a sync right after grants it.
            requestSync(deps.queue, opts.org, 'cli');
            const out = describeOutcome(repo, await waitFor(deps, added.job));
            process.stdout.write(`${out.line}\n`);
            return out.ok;
          });
          if (!ok) process.exitCode = 1;
          return;
        }
        if (url === undefined) return;
        if (opts.type !== undefined && !(VCS_TYPES as readonly string[]).includes(opts.type)) throw new Error(`--type must be git, hg or svn (got "${opts.type}")`);
        const ok = await withDeps(program.opts<GlobalOptions>(), async (deps) => {
          const policy = { allowLocalPaths: deps.config.vcs.allow_local_paths, allowedProtocols: deps.config.vcs.allowed_protocols, vcsTypes: [...deps.drivers.keys()] };
          const vcsOptions: Record<string, string | false> = {};
          const layout: Array<[string, string | undefined]> = [
            ['trunk-path', opts.trunkPath], ['branches-path', opts.branchesPath], ['tags-path', opts.tagsPath], ['package-path', opts.packagePath],
          ];
          for (const [k, v] of layout) if (v !== undefined) vcsOptions[k] = v === 'false' ? false : v;
          checkRepositoryUrl(url, policy);
          await deps.network.check(url, { unresolved: 'allow' });
          const added = addPackage(deps.db, deps.queue, policy, { org: opts.org, url, type: opts.type as VcsType | undefined, credential: opts.credential, vcsOptions }, actor(), deps.box);
          const job = await waitFor(deps, added.job);
          const out = describeOutcome(url, job);
          process.stdout.write(`${out.line}\n`);
          process.stderr.write(`packyard: generic hook URL: ${deps.config.server.public_url}/hooks/generic/${added.hookToken}\n`);
          return out.ok;
        });
        if (!ok) process.exitCode = 1;
      } catch (e) {
        fail(e);
      }
    });

  pkg
    .command('update [name]')
    .description('update a package now (or --all), wait, and print what changed')
    .requiredOption('--org <org>', 'the organization')
    .option('--all', 'every package of the organization')
    .option('--force', 're-scan even if the repository did not change')
    .action(async (name: string | undefined, opts: { org: string; all?: boolean; force?: boolean }) => {
      try {
        if (!name && !opts.all) throw new Error('name a package or pass --all');
        const ok = await withDeps(program.opts<GlobalOptions>(), async (deps) => {
          const targets = opts.all ? listPackages(deps.db, opts.org) : [getPackageByName(deps.db, opts.org, name as string)];
          let allOk = true;
          for (const t of targets) {
            const { job } = requestUpdate(deps.queue, t.id, 'cli', { force: opts.force ?? false });
            const out = describeOutcome(t.name ?? t.url, await waitFor(deps, job));
            process.stdout.write(`${out.line}\n`);
            allOk &&= out.ok;
          }
          return allOk;
        });
        if (!ok) process.exitCode = 1;
      } catch (e) {
        fail(e);
      }
    });

  pkg
    .command('show <name>')
    .description('versions, skipped refs with reasons, last update and error')
    .requiredOption('--org <org>', 'the organization')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { org: string; json?: boolean }) => {
      try {
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          const d = describePackage(deps.db, opts.org, name);
          if (opts.json) {
            const { hookTokenHash: _h, hookTokenSealed: _s, remoteStateHash: _r, ...pkgView } = d.pkg;
            process.stdout.write(`${JSON.stringify({ package: pkgView, versions: d.versions, skipped: d.skipped }, null, 2)}\n`);
            return;
          }
          const p = d.pkg;
          const credentialName = p.credentialId === null ? undefined
            : deps.db.select({ name: credentials.name }).from(credentials).where(eq(credentials.id, p.credentialId)).get()?.name;
          const ssh = sshHostOf(p.url);
          const hostKeyLines = ssh === null ? [] : (() => {
            const keys = listHostKeys(deps.db, ssh.pattern);
            if (keys.length === 0) return [`host key:     none pinned for ${ssh.pattern} yet (the next update pins the key the server presents)`];
            return keys.map((k) => `host key:     ${k.host} ${k.keyType} ${k.fingerprint} (${k.source === 'first-use' ? 'pinned on first use' : 'pinned by an admin'} ${new Date(k.createdAt).toISOString()})`);
          })();
          const lines = [
            `name:         ${p.name ?? '(not imported yet)'}`,
            `repository:   ${p.url} (${p.vcsType})`,
            ...(credentialName ? [`credential:   ${credentialName}`] : []),
            ...hostKeyLines,
            `status:       ${p.status}`,
            `last update:  ${p.lastUpdatedAt ? new Date(p.lastUpdatedAt).toISOString() : 'never'}`,
          ];
          if (p.lastError) lines.push(`last error:   ${p.lastError} (${p.lastErrorCode}, ${new Date(p.lastErrorAt ?? 0).toISOString()})`);
          lines.push(`versions (${d.versions.length}):`);
          for (const v of d.versions) lines.push(`  ${v.version.padEnd(24)} ${v.stability.padEnd(7)} ${v.refKind} ${v.refName} ${v.commit.slice(0, 12)}`);
          if (d.skipped.length > 0) {
            lines.push(`skipped refs (${d.skipped.length}):`);
            for (const s of d.skipped) lines.push(`  ${s.kind} ${s.name}: ${s.reason}`);
          }
          process.stdout.write(`${lines.join('\n')}\n`);
        });
      } catch (e) {
        fail(e);
      }
    });
  pkg
    .command('hook-url <action> <name>')
    .description('the package\'s generic hook URL: "show" prints it (to stdout), "replace" makes a new one (the old one stops working)')
    .requiredOption('--org <org>', 'the organization')
    .action(async (action: string, name: string, opts: { org: string }) => {
      try {
        if (action !== 'show' && action !== 'replace') throw new Error(`hook-url: give show or replace (got "${action}")`);
        const ok = await withDeps(program.opts<GlobalOptions>(), (deps) => {
          const p = getPackageByName(deps.db, opts.org, name);
          const publicUrl = deps.config.server.public_url;
          if (action === 'replace') {
            process.stdout.write(`${hookUrlOf(publicUrl, rotateHookToken(deps.db, deps.box, p.id, actor()))}\n`);
            process.stderr.write('packyard: the old hook URL no longer works\n');
            return true;
          }
          const stored = storedHookUrl(deps.db, deps.box, publicUrl, p.id);
          if (stored.state === 'shown') {
            process.stdout.write(`${stored.url}\n`);
            return true;
          }
          process.stderr.write(stored.state === 'none'
            ? 'packyard: the package has no hook URL; make one with: packyard package hook-url replace\n'
            : 'packyard: this hook URL was stored hashed (before this version): replace it to see the URL (packyard package hook-url replace)\n');
          return false;
        });
        if (!ok) process.exitCode = 1;
      } catch (e) {
        fail(e);
      }
    });
  pkg
    .command('remove <name>')
    .description("remove a package: its metadata goes at once, its dists stay downloadable for the grace period (housekeeping.removed_dist_grace_days)")
    .requiredOption('--org <org>', 'the organization')
    .action(async (name: string, opts: { org: string }) => {
      try {
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          const r = removePackage(deps.db, opts.org, name, deps.config.housekeeping.removed_dist_grace_days, actor());
          process.stderr.write(
            `packyard: ${r.name} removed from ${opts.org}; ${r.dists} built dists stay downloadable until ${new Date(r.expiresAt).toISOString().slice(0, 10)}\n`,
          );
        });
      } catch (e) {
        fail(e);
      }
    });
}
