// packyard sync --org ORG [--dry-run] [--json]: reconcile an organization with its forge now; what
// the forge could not tell (the run's notes) is printed as `note: …` (in --json: `notes`).
import type { Command } from 'commander';
import { fail, withDeps, type GlobalOptions } from './context.js';
import { syncOrg } from '../sync/reconcile.js';
import type { Plan } from '../sync/plan.js';

function planLines(plan: Plan): string[] {
  const lines: string[] = [];
  const add = (sign: string, text: string) => lines.push(`  ${sign} ${text}`);
  for (const u of plan.usersToCreate) add('+', `user ${u.newLogin} (forge ${u.login}, id ${u.id})`);
  for (const u of plan.loginsToUpdate) add('~', `user ${u.from} renamed to ${u.to}`);
  for (const m of plan.membersToAdd) add('+', `member forge id ${m.externalId} as ${m.role}`);
  for (const m of plan.memberRolesToChange) add('~', `member forge id ${m.externalId}: ${m.from} -> ${m.to}`);
  for (const m of plan.membersToRemove) add('-', `member ${m.login}`);
  for (const t of plan.teamsToCreate) add('+', `team ${t.slug}${t.parentExternalId ? ` (child of team ${t.parentExternalId})` : ''}`);
  for (const t of plan.teamsToUpdate) add('~', `team ${t.slug}`);
  for (const t of plan.teamsToDelete) add('-', `team ${t.slug}`);
  for (const m of plan.teamMembersToAdd) add('+', `team ${m.teamExt} member ${m.userExt} (${m.role})`);
  for (const m of plan.teamMembersToChange) add('~', `team ${m.teamExt} member ${m.userExt} -> ${m.role}`);
  for (const m of plan.teamMembersToRemove) add('-', `team ${m.teamExt} member ${m.userExt}`);
  for (const r of plan.packagesToAdd) add('+', `package from ${r.fullName} (${r.cloneUrl})`);
  for (const p of plan.packagesToMark) add('~', `package ${p.fullName}: ${p.status}`);
  for (const p of plan.packagesToMove) add('~', `package moved to ${p.fullName} (${p.url})`);
  for (const p of plan.packagesToUpdate) add('~', `package of ${p.fullName}: pushed since the last sync, update queued`);
  for (const g of plan.grantsToAdd) add('+', `${g.subject} ${g.subjectExt} gains read of repository ${g.repoExt} (${g.label})`);
  for (const g of plan.grantsToChange) add('~', `${g.key.replace('\t', ' reads repository ')} (now: ${g.label})`);
  for (const g of plan.grantsToRemove) add('-', `${g.key.replace('\t', ' loses read of repository ')}`);
  return lines;
}

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description("reconcile an organization's members, teams, access and packages with its forge now")
    .requiredOption('--org <org>', 'the organization (organizations[].sync in the config)')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--verbose', 'print every planned change (always with --dry-run)')
    .option('--json', 'print the outcome as JSON (status, summary, notes, webhook, error)')
    .action(async (opts: { org: string; dryRun?: boolean; verbose?: boolean; json?: boolean }) => {
      try {
        const ok = await withDeps(program.opts<GlobalOptions>(), async (deps) => {
          const out = await syncOrg(deps, opts.org, { dryRun: opts.dryRun ?? false, trigger: 'cli' });
          if (opts.json) {
            const { runId, status, summary, notes, webhook, error, durationMs } = out;
            process.stdout.write(`${JSON.stringify({ org: opts.org, runId, status, durationMs, summary, notes, webhook, error: error ?? null })}\n`);
            return status !== 'failed';
          }
          if (out.status === 'failed') {
            process.stderr.write(`packyard: ${out.error}\n`);
            return false;
          }
          const counts = Object.entries(out.summary).filter(([, n]) => n > 0).map(([k, n]) => `${k}=${n}`).join(' ');
          process.stdout.write(`sync of ${opts.org}: ${out.status} in ${out.durationMs} ms${counts ? ` (${counts})` : ' (nothing to change)'}\n`);
          if ((opts.dryRun || opts.verbose) && out.plan) for (const l of planLines(out.plan)) process.stdout.write(`${l}\n`);
          for (const n of out.notes) process.stdout.write(`note: ${n}\n`);
          if (out.webhook) process.stdout.write(`webhook: ${out.webhook}\n`);
          return true;
        });
        if (!ok) process.exitCode = 1;
      } catch (e) {
        fail(e);
      }
    });
}
