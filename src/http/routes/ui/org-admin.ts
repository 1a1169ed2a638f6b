// An organization's admin screens: add a package (by URL, or one of the synced forge's
// repositories), teams and members (org:members: members, owners, admins), and for owners and admins (org:manage): settings
// with "Sync now" and "Preview sync" (activity and the audit log: org-activity.ts).
// Whatever the user may not use answers 404, like a missing page.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can, canOnInstance, type Action } from '../../../domain/policy.js';
import { isAppError } from '../../../domain/errors.js';
import { shownError } from '../../../domain/error-detail.js';
import { orgSyncSettings } from '../../../domain/orgs.js';
import { addForgePackage, addPackage } from '../../../services/packages.js';
import { checkRepositoryUrl } from '../../../vcs/url.js';
import { findOrg, updateOrgSyncSettings } from '../../../services/orgs.js';
import { newOrgForm } from './new-org.js';
import type { OrgAdminReads } from '../../../services/org-admin-reads.js';
import { requestSyncPreview } from '../../../jobs/sync-org.js';
import type { JobRow } from '../../../jobs/queue.js';
import { SYNC_PREVIEW, UPDATE_PACKAGE } from '../../../jobs/job-types.js';
import { lastSyncRuns } from '../../../sync/reconcile.js';
import { hookStates } from '../../../sync/hooks.js';
import type { Plan } from '../../../sync/plan.js';
import type { VcsType } from '../../../vcs/types.js';
import type { Forge } from '../../../forges/types.js';
import {
  addByUrlFragment,
  addedByUrl,
  addedRepoRow,
  importJobHref,
  importPage,
  importStatus,
  newPackagePage,
  planPreview,
  planPreviewPending,
  planPreviewPage,
  settingsPage,
  type ImportJobView,
  summaryText,
  syncJobStatus,
  teamsPage,
  type NewPackageView,
  type PlanLine,
  type SettingsPageView,
  type SyncJobView,
} from '../../../../views/org-admin.js';
import { isHx, notFound, orgLinks, resolveOrgFor, sendError, sendHtml, uiActor, viewContext, type OrgScope, type Ui } from './support.js';
import { requestSync } from '../../../jobs/requests.js';

type OrgParams = { org: string };

const str = (v: unknown) => (typeof v === 'string' ? v : '');

function syncJobView(j: JobRow): SyncJobView {
  const res = j.result as { status?: unknown; summary?: unknown } | null;
  const result = j.status === 'done' && res
    ? `${String(res.status ?? 'done')}${res.summary && typeof res.summary === 'object' ? `: ${summaryText(res.summary as Record<string, number>)}` : ''}`
    : null;
  return { id: j.id, status: j.status, error: j.error, result };
}

/** A sync plan as lines people read: forge ids named by the plan itself or by what the database knows. */
export function planLines(plan: Plan, names: ReturnType<OrgAdminReads['names']>): PlanLine[] {
  const users = new Map(names.users);
  for (const u of plan.usersToCreate) users.set(u.id, u.login);
  const teams = new Map(names.teams);
  for (const t of plan.teamsToCreate) teams.set(t.externalId, t.slug);
  const repos = new Map(names.repos);
  for (const r of [...plan.reposToUpsert, ...plan.packagesToAdd]) repos.set(r.id, r.fullName);
  const user = (ext: string) => users.get(ext) ?? `forge user ${ext}`;
  const team = (ext: string) => `team ${teams.get(ext) ?? ext}`;
  const repo = (ext: string) => repos.get(ext) ?? `repository ${ext}`;
  const lines: PlanLine[] = [];
  for (const u of plan.usersToCreate) lines.push({ kind: 'changes', text: `new user ${u.login} (as ${u.newLogin})` });
  for (const m of plan.membersToAdd) lines.push({ kind: 'gains', text: `${user(m.externalId)} gains membership (${m.role})` });
  for (const m of plan.memberRolesToChange) lines.push({ kind: 'changes', text: `${user(m.externalId)}: role ${m.from} → ${m.to}` });
  for (const m of plan.membersToRemove) lines.push({ kind: 'loses', text: `${m.login} loses membership` });
  for (const t of plan.teamsToCreate) lines.push({ kind: 'changes', text: `new team ${t.slug} (${t.name})` });
  for (const t of plan.teamsToUpdate) lines.push({ kind: 'changes', text: `team ${t.slug} updated (${t.name})` });
  for (const t of plan.teamsToDelete) lines.push({ kind: 'loses', text: `team ${t.slug} is removed` });
  for (const m of plan.teamMembersToAdd) lines.push({ kind: 'gains', text: `${user(m.userExt)} gains ${team(m.teamExt)} (${m.role})` });
  for (const m of plan.teamMembersToChange) lines.push({ kind: 'changes', text: `${user(m.userExt)} in ${team(m.teamExt)} becomes ${m.role}` });
  for (const m of plan.teamMembersToRemove) lines.push({ kind: 'loses', text: `${user(m.userExt)} loses ${team(m.teamExt)}` });
  for (const g of plan.grantsToAdd) {
    lines.push({ kind: 'gains', text: `${g.subject === 'team' ? team(g.subjectExt) : user(g.subjectExt)} gains read of ${repo(g.repoExt)} (${g.label})` });
  }
  for (const g of plan.grantsToChange) {
    const a = names.access.get(g.accessId);
    lines.push({ kind: 'changes', text: `${a ? `${a.team ? `team ${a.team}` : a.user ?? '?'} on ${a.name ?? a.url}` : g.key}: reads as ${g.label}` });
  }
  for (const g of plan.grantsToRemove) {
    const a = names.access.get(g.accessId);
    lines.push({ kind: 'loses', text: a ? `${a.team ? `team ${a.team}` : a.user ?? '?'} loses read of ${a.name ?? a.url}` : `grant ${g.key} is removed` });
  }
  for (const r of plan.packagesToAdd) lines.push({ kind: 'gains', text: `package from ${r.fullName} is added` });
  for (const p of plan.packagesToLink) lines.push({ kind: 'changes', text: `package ${p.packageId} is linked to ${repo(p.repoExt)}` });
  for (const p of plan.packagesToMark) lines.push({ kind: 'changes', text: `package of ${p.fullName} is marked ${p.status}` });
  for (const p of plan.packagesToMove) lines.push({ kind: 'changes', text: `package of ${p.fullName} moves to ${p.url}` });
  for (const p of plan.packagesToUpdate) lines.push({ kind: 'changes', text: `package of ${p.fullName} was pushed since the last sync and is updated` });
  for (const id of plan.reposToMarkDeleted) lines.push({ kind: 'changes', text: `${repo(id)} is gone from the forge` });
  return lines;
}

export function orgAdminRoutes(app: FastifyInstance, ui: Ui, reads: OrgAdminReads): void {
  const deps = ui.deps;
  const vcsTypes = (): VcsType[] => [...deps.drivers.keys()];

  /** The organization, when the user may `action` in it; replies itself (redirect or 404) otherwise. */
  const scoped = (req: FastifyRequest<{ Params: OrgParams }>, reply: FastifyReply, action: Action): OrgScope | null =>
    resolveOrgFor(ui, req, reply, req.params.org, action);

  // ------------------------------------------------------------ add package

  function newPackageView(r: OrgScope, form: NewPackageView['form'], error?: string): NewPackageView {
    return {
      org: r.org.name,
      links: orgLinks(r),
      // Attaching a credential is an owner's action: members get no select.
      credentials: can(r.principal, 'package:credential', { org: r.facts }) ? reads.credentials(r.org.id) : null,
      vcsTypes: vcsTypes(),
      form,
      error,
      synced: r.org.syncIntegration ? { integration: r.org.syncIntegration, repos: reads.unaddedRepos(r.org.id) } : null,
    };
  }

  app.get<{ Params: OrgParams }>('/:org/-/packages/new', (req, reply) => {
    const r = scoped(req, reply, 'package:manage');
    if (!r) return reply;
    return sendHtml(reply, newPackagePage(viewContext(ui, req), newPackageView(r, { url: '', type: '', credential: '' })));
  });

  app.post<{ Params: OrgParams }>('/:org/-/packages/new', async (req, reply) => {
    const r = scoped(req, reply, 'package:manage');
    if (!r) return reply;
    const body = (req.body ?? {}) as Record<string, unknown>;
    // An empty type: from the URL (svn:// and svn+ssh:// are svn, anything else git).
    const form = { url: str(body.url).trim().slice(0, 2000), type: str(body.type), credential: str(body.credential) };
    const ctx = viewContext(ui, req);
    // Members see no credential select; a posted credential from one is refused, never ignored.
    if (form.credential !== '' && !can(r.principal, 'package:credential', { org: r.facts })) {
      return sendError(ui, req, reply, 403, 'Not allowed', 'Only owners of the organization can attach a credential to a package.');
    }
    try {
      if (form.url === '') throw Object.assign(new Error('Give the repository URL.'), { userFacing: true });
      if (form.type !== '' && !(vcsTypes() as string[]).includes(form.type)) throw Object.assign(new Error(`Unknown repository type "${form.type}".`), { userFacing: true });
      const policy = { allowLocalPaths: deps.config.vcs.allow_local_paths, allowedProtocols: deps.config.vcs.allowed_protocols, vcsTypes: vcsTypes() };
      checkRepositoryUrl(form.url, policy);
      await deps.network.check(form.url, { unresolved: 'allow' });
      const { job } = addPackage(deps.db, deps.queue, policy, { org: r.org.name, url: form.url, type: form.type === '' ? undefined : (form.type as VcsType), credential: form.credential || undefined }, uiActor(req), deps.box);
      // The name is known after the first import: the answer follows the import, then links the package.
      const view = importJobView(r, job);
      if (isHx(req) && view) return sendHtml(reply, addedByUrl(ctx, r.org.name, view), 201);
      return reply.redirect(importJobHref(ctx, r.org.name, job.id), 303);
    } catch (e) {
      const userFacing = isAppError(e) ? e.httpStatus < 500 : (e as { userFacing?: boolean }).userFacing === true;
      if (!userFacing) throw e;
      // htmx swaps only 2xx answers: the form again, with the reason; a refused query string
      // (?access_token=…) is not written back into the page.
      const shown = { ...form, url: form.url.replace(/[?#].*$/s, '') };
      if (isHx(req)) return sendHtml(reply, addByUrlFragment(ctx, newPackageView(r, shown, (e as Error).message)));
      return sendHtml(reply, newPackagePage(ctx, newPackageView(r, shown, (e as Error).message)), 400);
    }
  });

  app.post<{ Params: OrgParams }>('/:org/-/packages/new/forge', (req, reply) => {
    const r = scoped(req, reply, 'package:manage');
    if (!r) return reply;
    const fullName = str((req.body as Record<string, unknown> | undefined)?.repository).slice(0, 300);
    const ctx = viewContext(ui, req);
    try {
      const { job } = addForgePackage(deps.db, deps.queue, r.org.name, fullName, uiActor(req), deps.box);
      // A sync gives the new package its grants from the forge.
      requestSync(deps.queue, r.org.name, uiActor(req));
      if (isHx(req)) return sendHtml(reply, addedRepoRow(ctx, r.org.name, fullName, importJobView(r, job)), 201);
      return reply.redirect(importJobHref(ctx, r.org.name, job.id), 303);
    } catch (e) {
      if (!isAppError(e) || e.httpStatus >= 500) throw e;
      // htmx swaps only 2xx answers: the row says what went wrong.
      if (isHx(req)) return sendHtml(reply, addedRepoRow(ctx, r.org.name, fullName, null, e.message));
      return sendHtml(reply, newPackagePage(ctx, newPackageView(r, { url: '', type: '', credential: '' }, e.message)), e.httpStatus);
    }
  });

  /** An import job of this organization's package (null when the job is another's). */
  function importJobView(r: OrgScope, job: JobRow): ImportJobView | null {
    if (job.type !== UPDATE_PACKAGE) return null;
    const pkg = reads.importPackage(r.org.id, job.lockKey);
    if (!pkg) return null;
    // Unsynced members may add packages, but see a connection error's detail only as owners do.
    const may = can(r.principal, 'package:diagnose', { org: r.facts, packageId: pkg.id });
    return {
      id: job.id, status: job.status, error: shownError(job.error, pkg.lastErrorCode, may),
      packageName: pkg.name, packageUrl: pkg.url, packageError: shownError(pkg.lastError, pkg.lastErrorCode, may),
    };
  }

  // The import an "Add" started: the fragment it polls (htmx), or a page (without htmx). Only for
  // those who may add packages, and only this organization's package jobs.
  app.get<{ Params: OrgParams & { id: string } }>('/:org/-/packages/new/jobs/:id', (req, reply) => {
    const r = scoped(req, reply, 'package:manage');
    if (!r) return reply;
    const id = /^\d{1,12}$/.test(req.params.id) ? Number(req.params.id) : NaN;
    const job = Number.isNaN(id) ? null : deps.queue.get(id);
    const view = job ? importJobView(r, job) : null;
    if (!view) return notFound(ui, req, reply);
    const ctx = viewContext(ui, req);
    reply.header('Vary', 'HX-Request');
    if (isHx(req)) return sendHtml(reply, importStatus(ctx, r.org.name, view));
    return sendHtml(reply, importPage(ctx, r.org.name, orgLinks(r), view));
  });

  // ------------------------------------------------------------ teams

  app.get<{ Params: OrgParams }>('/:org/-/teams', (req, reply) => {
    const r = scoped(req, reply, 'org:members');
    if (!r) return reply;
    const kindOf = teamKinds(r.org.syncIntegration);
    const teams = reads.teams(r.org.id).map(({ externalId, ...t }) => ({
      ...t,
      kind: externalId !== null ? kindOf(externalId) : null,
      packages: t.packages.filter((p) => can(r.principal, 'package:read', { org: r.facts, packageId: p.packageId })),
    }));
    return sendHtml(reply, teamsPage(viewContext(ui, req), { org: r.org.name, links: orgLinks(r), managedBy: r.org.syncIntegration, teams, members: reads.members(r.org.id),
      canRemoveMembers: can(r.principal, 'member:remove', { org: r.facts }) }));
  });

  /** The forge's word for what each synced team stands for ("project", "group"), when the forge has one. */
  function teamKinds(integration: string | null): (externalId: string) => string | null {
    let forge: Pick<Forge, 'teamKind'> | null = null;
    try {
      forge = integration ? deps.forges.get(integration) : null;
    } catch {
      // Misconfigured (logged where it is used): the teams are shown without their kind.
    }
    return (externalId) => forge?.teamKind?.(externalId) ?? null;
  }

  // ------------------------------------------------------------ settings

  function renderSettings(req: FastifyRequest, reply: FastifyReply, r: OrgScope, settingsForm?: SettingsPageView['settingsForm']) {
    const row = findOrg(deps.db, r.org.name);
    const settings = row ? orgSyncSettings(row) : null;
    const sync = row && settings ? { ...settings, fromConfig: row.fromConfig } : null;
    const activeId = reads.activeSyncJob(r.org.name);
    const active = activeId !== null ? deps.queue.get(activeId) : null;
    const runs = sync ? lastSyncRuns(deps, r.org.id, 10) : [];
    return sendHtml(reply, settingsPage(viewContext(ui, req), {
      org: r.org.name, links: orgLinks(r), sync, runs, activeSyncJob: active ? syncJobView(active) : null, ...(settingsForm ? { settingsForm } : {}),
      deletable: row && canOnInstance(r.principal, 'org:delete') ? { fromConfig: row.fromConfig } : null,
      webhooks: sync ? webhooksView(r.org.id, sync) : null,
    }), settingsForm ? 400 : 200);
  }

  /** The webhooks card: the forge's name and capability (when its forge can be built) and the recorded hooks. */
  function webhooksView(orgId: number, sync: { integration: string; source: string; schedule: string; installWebhooks: boolean }): SettingsPageView['webhooks'] {
    let forge: Pick<Forge, 'displayName' | 'webhooks'> | null = null;
    try {
      forge = deps.forges.get(sync.integration);
    } catch {
      // Misconfigured (logged where it is used): the card shows what was recorded.
    }
    return {
      forge: forge?.displayName ?? sync.integration,
      installWebhooks: sync.installWebhooks,
      offered: forge ? forge.webhooks !== undefined : true,
      scopeLabels: forge?.webhooks?.scopeLabels ?? null,
      scheduleCovers: forge?.webhooks?.scheduleCovers ?? null,
      schedule: sync.schedule,
      hooks: hookStates(deps.db, orgId, sync.integration, sync.source),
    };
  }

  app.get<{ Params: OrgParams }>('/:org/-/settings', (req, reply) => {
    const r = scoped(req, reply, 'org:manage');
    if (!r) return reply;
    return renderSettings(req, reply, r);
  });

  // The sync settings of an organization created in the UI or the CLI (config-file ones: refused).
  app.post<{ Params: OrgParams }>('/:org/-/settings/sync-settings', (req, reply) => {
    const r = scoped(req, reply, 'org:manage');
    if (!r) return reply;
    const f = newOrgForm((req.body ?? {}) as Record<string, unknown>);
    const settings = { schedule: f.schedule, autoAddPackages: f.autoAddPackages, installWebhooks: f.installWebhooks };
    try {
      updateOrgSyncSettings(deps, r.org.name, settings, uiActor(req));
    } catch (e) {
      if (!isAppError(e) || e.httpStatus >= 500) throw e;
      return renderSettings(req, reply, r, { ...settings, error: e.message });
    }
    return reply.redirect(`${viewContext(ui, req).base}/${r.org.name}/-/settings`, 303);
  });

  app.post<{ Params: OrgParams }>('/:org/-/settings/sync', (req, reply) => {
    const r = scoped(req, reply, 'org:manage');
    if (!r) return reply;
    const ctx = viewContext(ui, req);
    if (!r.org.syncIntegration) return sendError(ui, req, reply, 400, 'Not synced', `Organization "${r.org.name}" is not synced with a forge.`);
    const { job } = requestSync(deps.queue, r.org.name, uiActor(req));
    if (isHx(req)) return sendHtml(reply, syncJobStatus(ctx, r.org.name, syncJobView(job)), 202);
    return reply.redirect(`${ctx.base}/${r.org.name}/-/settings`, 303);
  });

  app.get<{ Params: OrgParams & { id: string } }>('/:org/-/settings/sync/jobs/:id', (req, reply) => {
    const r = scoped(req, reply, 'org:manage');
    if (!r) return reply;
    const id = /^\d{1,12}$/.test(req.params.id) ? Number(req.params.id) : NaN;
    const job = Number.isNaN(id) || !reads.isSyncJob(id, r.org.name) ? null : deps.queue.get(id);
    if (!job) return notFound(ui, req, reply);
    return sendHtml(reply, syncJobStatus(viewContext(ui, req), r.org.name, syncJobView(job)));
  });

  // Preview sync: a dry-run job (the forge's listing can take seconds); the answer polls it.
  app.post<{ Params: OrgParams }>('/:org/-/settings/preview', (req, reply) => {
    const r = scoped(req, reply, 'org:manage');
    if (!r) return reply;
    const ctx = viewContext(ui, req);
    if (!r.org.syncIntegration) return sendError(ui, req, reply, 400, 'Not synced', `Organization "${r.org.name}" is not synced with a forge.`);
    const { job } = requestSyncPreview(deps.queue, r.org.name, uiActor(req));
    if (isHx(req)) return sendHtml(reply, planPreviewPending(ctx, r.org.name, job), 202);
    return reply.redirect(`${ctx.base}/${r.org.name}/-/settings/preview/jobs/${job.id}`, 303);
  });

  app.get<{ Params: OrgParams & { id: string } }>('/:org/-/settings/preview/jobs/:id', (req, reply) => {
    const r = scoped(req, reply, 'org:manage');
    if (!r) return reply;
    const ctx = viewContext(ui, req);
    const id = /^\d{1,12}$/.test(req.params.id) ? Number(req.params.id) : NaN;
    const job = Number.isNaN(id) ? null : deps.queue.get(id);
    if (!job || job.type !== SYNC_PREVIEW || job.lockKey !== `sync-preview:${r.org.name}`) return notFound(ui, req, reply);
    let fragment;
    if (job.status === 'queued' || job.status === 'running') {
      fragment = planPreviewPending(ctx, r.org.name, job);
    } else if (job.status === 'failed') {
      fragment = planPreview({ error: job.error ?? 'The preview failed.', lines: [] });
    } else {
      const plan = (job.result as { plan?: Plan } | null)?.plan;
      fragment = plan && r.org.syncIntegration
        ? planPreview({ lines: planLines(plan, reads.names(r.org.id, r.org.syncIntegration)) })
        : planPreview({ error: 'This preview has no plan.', lines: [] });
    }
    if (isHx(req)) return sendHtml(reply, fragment);
    return sendHtml(reply, settingsPreviewPage(req, r, fragment));
  });

  /** Without htmx the preview is shown on a page of its own. */
  function settingsPreviewPage(req: FastifyRequest, r: OrgScope, fragment: ReturnType<typeof planPreview>) {
    return planPreviewPage(viewContext(ui, req), r.org.name, orgLinks(r), fragment);
  }
}
