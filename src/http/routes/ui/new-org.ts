// "New organization" (instance admins only, policy `org:create`): the form, its "Check" of the
// forge source (htmx), and the create action through the same service as `packyard org create`.
// Anyone else gets the 404 of a page that does not exist.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canOnInstance, type Principal } from '../../../domain/policy.js';
import { isAppError } from '../../../domain/errors.js';
import { validateOrgName, ORG_SYNC_DEFAULT_SETTINGS } from '../../../domain/orgs.js';
import { isForgeError } from '../../../forges/types.js';
import { createOrganization, syncInputProblem, type OrgSyncInput } from '../../../services/orgs.js';
import { newOrgPage, sourceCheck, type NewOrgErrors, type NewOrgForm } from '../../../../views/new-org.js';
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
  const integrations = deps.config.integrations.map((i) => ({ id: i.id, type: i.type }));

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
    sendHtml(reply, newOrgPage(viewContext(ui, req), { integrations, form, errors }), status);

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

  app.post('/-/orgs/new/check', async (req, reply) => {
    if (!admin(req, reply)) return reply;
    const form = newOrgForm((req.body ?? {}) as Record<string, unknown>);
    if (!form.sync) return sendHtml(reply, sourceCheck({ ok: false, message: 'Choose an integration to sync with first.' }));
    const problem = syncInputProblem(deps.config.integrations, { integration: form.sync, source: form.source });
    if (problem) return sendHtml(reply, sourceCheck({ ok: false, message: problem.message }));
    try {
      const info = await deps.forges.get(form.sync).describeSource(form.source);
      if (!info) return sendHtml(reply, sourceCheck({ ok: false, message: `${form.sync} has no organization "${form.source}" that its credential can see.` }));
      return sendHtml(reply, sourceCheck({ ok: true, ...info }));
    } catch (e) {
      if (!isForgeError(e)) throw e;
      return sendHtml(reply, sourceCheck({ ok: false, message: `${form.sync} answered: ${e.message} (${e.kind})` }));
    }
  });
}
