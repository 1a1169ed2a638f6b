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

/** How the source field is labelled for an integration (the forge's words; a generic field without them). */
export interface SourceHintView {
  label: string;
  placeholder: string;
  help: string;
  repositoryNoun: { one: string; other: string };
}

export interface NewOrgIntegration {
  id: string;
  /** The forge's name for people (Forge.displayName). */
  displayName: string;
  sourceHint: SourceHintView | null;
}

export interface NewOrgView {
  integrations: readonly NewOrgIntegration[];
  form: NewOrgForm;
  errors: NewOrgErrors;
}

const GENERIC_HINT: SourceHintView = {
  label: 'Source',
  placeholder: 'acme',
  help: 'The organization or group on the forge that members, teams and repositories come from.',
  repositoryNoun: { one: 'repository', other: 'repositories' },
};

/** The source field (label, input, help) for the chosen integration; htmx swaps it when the choice changes. */
export function sourceField(v: { integrations: readonly NewOrgIntegration[]; sync: string; source: string; error?: string | undefined }): Html {
  const chosen = v.integrations.find((i) => i.id === v.sync);
  const hint = chosen?.sourceHint ?? GENERIC_HINT;
  return html`<div id="source-field" data-integration="${chosen?.id ?? ''}"><label>${hint.label} <input name="source" value="${v.source}" placeholder="${hint.placeholder}" aria-describedby="source-help${v.error ? ' source-error' : ''}"${v.error ? html` aria-invalid="true"` : ''}>
        ${fieldError('source', v.error)}
        <span class="hint" id="source-help">${hint.help}</span></label></div>`;
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
      <label>Integration <select name="sync" hx-get="${action}/source-field" hx-trigger="change" hx-include="[name=sync],[name=source]" hx-target="#source-field" hx-swap="outerHTML">
        <option value=""${f.sync === '' ? ' selected' : ''}>none (members are added by hand)</option>
        ${v.integrations.map((i) => html`<option value="${i.id}"${f.sync === i.id ? ' selected' : ''}>${i.displayName} (${i.id})</option>`)}
      </select>${fieldError('integration', v.errors.integration)}</label>
      ${sourceField({ integrations: v.integrations, sync: f.sync, source: f.source, error: v.errors.source })}
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
export type SourceCheckView =
  | { ok: true; login: string; name: string | null; repositories: number | null; forge?: string; noun?: SourceHintView['repositoryNoun'] }
  | { ok: false; message: string };

export function sourceCheck(r: SourceCheckView): Html {
  if (!r.ok) return html`<div id="source-check" class="check-result error" role="alert">${r.message}</div>`;
  const noun = r.noun ?? GENERIC_HINT.repositoryNoun;
  return html`<div id="source-check" class="check-result ok" role="status">Found <strong>${r.login}</strong>${r.forge ? html` on ${r.forge}` : ''}${r.name ? html` (${r.name})` : ''}${
    r.repositories !== null ? html` · <span class="count">${r.repositories}</span> ${r.repositories === 1 ? noun.one : noun.other} visible` : ''}</div>`;
}

/** The "Check" fragment while its job runs: it polls the job every second and replaces itself. */
export function sourceCheckPending(ctx: ViewContext, job: { id: number; status: string }): Html {
  return html`<div id="source-check" class="check-result" role="status" hx-get="${ctx.base}/-/orgs/new/check/jobs/${job.id}" hx-trigger="every 1s" hx-swap="outerHTML">Asking the forge… (check #${job.id}: ${job.status})</div>`;
}
