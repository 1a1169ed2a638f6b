// "New organization" (instance admins only, policy `org:create`): the form, its "Check" of the
// forge source (htmx: a check-source job the fragment polls, never the forge inside the request),
// and the create action through the same service as `packyard org create`. Anyone else gets the
// 404 of a page that does not exist.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canOnInstance, type Principal } from '../../../domain/policy.js';
import { isAppError } from '../../../domain/errors.js';
import { validateOrgName, ORG_SYNC_DEFAULT_SETTINGS } from '../../../domain/orgs.js';
import { CHECK_SOURCE, requestSourceCheck, type SourceCheckResult } from '../../../jobs/check-source.js';
import { createOrganization, syncInputProblem, type OrgSyncInput } from '../../../services/orgs.js';
import { newOrgPage, sourceCheck, sourceCheckPending, sourceField, type NewOrgErrors, type NewOrgForm, type NewOrgIntegration } from '../../../../views/new-org.js';
import { notFound, requireUser, sendHtml, uiActor, viewContext, type Ui } from './support.js';

const str = (v: unknown, max = 200) => (typeof v === 'string' ? v.trim().slice(0, max) : '');

export function newOrgForm(body: Record<string, unknown>): NewOrgForm {
  return {
    name: str(body.name, 100),
    sync: str(body.sync, 100),
    source: str(body.source),
    schedule: str(body.schedule, 100) || ORG_SYNC_DEFAULT_SETTINGS.schedule,
    autoAddPackages: body.auto_add_packages !== undefined,
    installWebhooks: body.install_webhooks !== undefined,
  };
}

export function newOrgRoutes(app: FastifyInstance, ui: Ui): void {
  const deps = ui.deps;
  /** Every integration by its forge's name and source hint (the id alone when its forge cannot be built). */
  const integrations = (): NewOrgIntegration[] =>
    deps.config.integrations.map((i) => {
      try {
        const forge = deps.forges.get(i.id);
        return { id: i.id, displayName: forge.displayName, sourceHint: forge.sourceHint ?? null };
      } catch {
        return { id: i.id, displayName: i.id, sourceHint: null };
      }
    });

  /** The signed-in instance admin; otherwise replies itself (login redirect or 404) and returns null. */
  function admin(req: FastifyRequest, reply: FastifyReply): Principal | null {
    const principal = requireUser(ui, req, reply);
    if (!principal) return null;
    if (!canOnInstance(principal, 'org:create')) {
      notFound(ui, req, reply);
      return null;
    }
    return principal;
  }

  const render = (req: FastifyRequest, reply: FastifyReply, form: NewOrgForm, errors: NewOrgErrors, status = 200) =>
    sendHtml(reply, newOrgPage(viewContext(ui, req), { integrations: integrations(), form, errors }), status);

  app.get('/-/orgs/new', (req, reply) => {
    if (!admin(req, reply)) return reply;
    const d = ORG_SYNC_DEFAULT_SETTINGS;
    return render(req, reply, { name: '', sync: '', source: '', schedule: d.schedule, autoAddPackages: d.autoAddPackages, installWebhooks: d.installWebhooks }, {});
  });

  app.post('/-/orgs/new', (req, reply) => {
    if (!admin(req, reply)) return reply;
    const form = newOrgForm((req.body ?? {}) as Record<string, unknown>);
    const sync: OrgSyncInput | undefined = form.sync
      ? { integration: form.sync, source: form.source, schedule: form.schedule, autoAddPackages: form.autoAddPackages, installWebhooks: form.installWebhooks }
      : undefined;
    // Every field's problem at once, next to its field; the service checks the same again.
    const errors: NewOrgErrors = {};
    const badName = validateOrgName(form.name);
    if (badName) errors.name = badName;
    const problem = sync ? syncInputProblem(deps.config.integrations, sync) : null;
    if (problem) errors[problem.field] = problem.message;
    if (badName || problem) return render(req, reply, form, errors, 400);
    let created;
    try {
      created = createOrganization(deps, { name: form.name, ...(sync ? { sync } : {}), ownerUserId: req.session?.userId as number }, uiActor(req));
    } catch (e) {
      if (!isAppError(e) || e.httpStatus >= 500) throw e;
      const field = e.code === 'ORG_EXISTS' || e.code === 'ORG_NAME_INVALID' ? 'name' : 'form';
      return render(req, reply, form, { [field]: e.message }, e.httpStatus);
    }
    const base = viewContext(ui, req).base;
    // A synced organization's settings page shows its first sync running.
    return reply.redirect(created.syncJobId !== null ? `${base}/${created.org.name}/-/settings` : `${base}/${created.org.name}/`, 303);
  });

  // The source field of the chosen integration (htmx swaps it when "Sync with" changes).
  app.get<{ Querystring: Record<string, unknown> }>('/-/orgs/new/source-field', (req, reply) => {
    if (!admin(req, reply)) return reply;
    const q = (req.query ?? {}) as Record<string, unknown>;
    return sendHtml(reply, sourceField({ integrations: integrations(), sync: str(q.sync, 100), source: str(q.source) }));
  });

  // Check: queue the forge's answer as a job (one attempt; the client's retries may take minutes)
  // and answer at once with a fragment that polls it.
  app.post('/-/orgs/new/check', (req, reply) => {
    if (!admin(req, reply)) return reply;
    const form = newOrgForm((req.body ?? {}) as Record<string, unknown>);
    if (!form.sync) return sendHtml(reply, sourceCheck({ ok: false, message: 'Choose an integration to sync with first.' }));
    const problem = syncInputProblem(deps.config.integrations, { integration: form.sync, source: form.source });
    if (problem) return sendHtml(reply, sourceCheck({ ok: false, message: problem.message }));
    const { job } = requestSourceCheck(deps.queue, form.sync, form.source, uiActor(req));
    return sendHtml(reply, sourceCheckPending(viewContext(ui, req), job), 202);
  });

  app.get<{ Params: { id: string } }>('/-/orgs/new/check/jobs/:id', (req, reply) => {
    if (!admin(req, reply)) return reply;
    const id = /^\d{1,12}$/.test(req.params.id) ? Number(req.params.id) : NaN;
    const job = Number.isNaN(id) ? null : deps.queue.get(id);
    if (!job || job.type !== CHECK_SOURCE) return notFound(ui, req, reply);
    if (job.status === 'queued' || job.status === 'running') return sendHtml(reply, sourceCheckPending(viewContext(ui, req), job));
    if (job.status === 'failed') return sendHtml(reply, sourceCheck({ ok: false, message: job.error ?? 'The check failed.' }));
    const p = job.payload as { integration?: unknown; source?: unknown };
    const r = job.result as SourceCheckResult | null;
    const about = integrations().find((i) => i.id === String(p.integration));
    if (!r?.found) {
      const where = about && about.displayName !== about.id ? `${about.displayName} (${about.id})` : String(p.integration);
      return sendHtml(reply, sourceCheck({ ok: false, message: `Not found on ${where}: "${String(p.source)}" does not exist, or the integration's credential cannot see it.` }));
    }
    return sendHtml(reply, sourceCheck({
      ok: true, login: r.login, name: r.name, repositories: r.repositories,
      ...(about ? { forge: about.displayName } : {}), ...(about?.sourceHint ? { noun: about.sourceHint.repositoryNoun } : {}),
    }));
  });
}
