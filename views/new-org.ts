// The "New organization" page (instance admins): name, synced with a forge or not, the sync
// settings; "Check" asks the forge about the source (a job; the htmx fragment polls it). Also the
// sync settings form of an organization created in the UI or the CLI (views/org-admin.ts).
import { html, type Html } from './html.js';
import { csrfField, layout, type ViewContext } from './layout.js';

export interface SyncSettingsForm {
  schedule: string;
  autoAddPackages: boolean;
  installWebhooks: boolean;
}

export interface NewOrgForm extends SyncSettingsForm {
  name: string;
  source: string;
  /** '' for an unsynced organization, else an integration id. */
  sync: string;
}

export type NewOrgErrors = Partial<Record<'name' | 'integration' | 'source' | 'schedule' | 'form', string>>;

export interface NewOrgView {
  integrations: ReadonlyArray<{ id: string; type: string }>;
  form: NewOrgForm;
  errors: NewOrgErrors;
}

const fieldError = (id: string, message: string | undefined): Html =>
  message ? html`<span class="error" id="${id}-error" role="alert">${message}</span>` : html``;

/** Schedule and the two switches: the same fields on the new-org page and the settings page. */
export function syncSettingsFields(f: SyncSettingsForm, errors: NewOrgErrors): Html {
  return html`<label>Schedule (cron) <input name="schedule" value="${f.schedule}" placeholder="*/15 * * * *"${errors.schedule ? html` aria-invalid="true" aria-describedby="schedule-error"` : ''}>
    ${fieldError('schedule', errors.schedule)}</label>
  <label class="check"><input type="checkbox" name="auto_add_packages" value="1"${f.autoAddPackages ? ' checked' : ''}> Add repositories with a composer.json as packages</label>
  <label class="check"><input type="checkbox" name="install_webhooks" value="1"${f.installWebhooks ? ' checked' : ''}> Install the organization webhook on the forge</label>`;
}

export function newOrgPage(ctx: ViewContext, v: NewOrgView): Html {
  const action = `${ctx.base}/-/orgs/new`;
  const f = v.form;
  return layout(
    ctx,
    'New organization',
    html`<h1>New organization</h1>
<section class="card">
  ${v.errors.form ? html`<p class="error" role="alert">${v.errors.form}</p>` : ''}
  <form method="post" action="${action}" class="stack">
    ${csrfField(ctx)}
    <label>Name <input name="name" required value="${f.name}" placeholder="acme"${v.errors.name ? html` aria-invalid="true" aria-describedby="name-error"` : ''}>
      ${fieldError('name', v.errors.name)}
      <span class="hint">Lowercase letters, digits and dashes; the repository URL is /NAME/.</span></label>
    <fieldset>
      <legend>Sync with</legend>
      <label>Integration <select name="sync">
        <option value=""${f.sync === '' ? ' selected' : ''}>none (members are added by hand)</option>
        ${v.integrations.map((i) => html`<option value="${i.id}"${f.sync === i.id ? ' selected' : ''}>${i.id} (${i.type})</option>`)}
      </select>${fieldError('integration', v.errors.integration)}</label>
      <label>Source <input name="source" value="${f.source}" placeholder="the forge organization, e.g. acme"${v.errors.source ? html` aria-invalid="true" aria-describedby="source-error"` : ''}>
        ${fieldError('source', v.errors.source)}</label>
      <button type="button" class="secondary" hx-post="${action}/check" hx-include="[name=sync],[name=source]" hx-target="#source-check" hx-swap="outerHTML" hx-indicator="#check-busy" hx-disabled-elt="this">Check</button>
      <span id="check-busy" class="htmx-indicator">Asking the forge…</span>
      <div id="source-check"></div>
      ${syncSettingsFields(f, v.errors)}
      <p class="hint">Members, teams and owners of a synced organization come from the forge; the first sync starts at once.</p>
    </fieldset>
    <button type="submit">Create organization</button>
  </form>
</section>`,
    [{ href: action, label: 'New organization' }],
  );
}

/** The "Check" fragment: what the forge says about the source, or why it could not say. */
export function sourceCheck(r: { ok: true; login: string; name: string | null; repositories: number | null } | { ok: false; message: string }): Html {
  if (!r.ok) return html`<div id="source-check" class="check-result error" role="alert">${r.message}</div>`;
  return html`<div id="source-check" class="check-result ok">Found <strong>${r.login}</strong>${r.name ? html` (${r.name})` : ''}${
    r.repositories !== null ? html` · ${r.repositories} repositor${r.repositories === 1 ? 'y' : 'ies'} visible` : ''}</div>`;
}

/** The "Check" fragment while its job runs: it polls the job every second and replaces itself. */
export function sourceCheckPending(ctx: ViewContext, job: { id: number; status: string }): Html {
  return html`<div id="source-check" class="check-result" role="status" hx-get="${ctx.base}/-/orgs/new/check/jobs/${job.id}" hx-trigger="every 1s" hx-swap="outerHTML">Asking the forge… (check #${job.id}: ${job.status})</div>`;
}
