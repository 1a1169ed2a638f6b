// Confirmations before a removal (works without JavaScript): a page that says what goes and what
// stays, with a POST form carrying the CSRF token; the biggest removals ask for the name typed.
// Also the small "Remove…" links and cards that lead to these pages.
import { html, type Html } from './html.js';
import { csrfField, layout, type ViewContext } from './layout.js';

export interface ConfirmView {
  title: string;
  /** What will happen, as sentences. */
  lines: readonly (string | Html)[];
  /** Where the form posts. */
  action: string;
  button: string;
  cancel: string;
  /** The name the user types to confirm (package, organization, user deletion). */
  typeName?: string | undefined;
  error?: string | undefined;
  crumbs?: readonly { href: string; label: string }[];
}

export function confirmPage(ctx: ViewContext, v: ConfirmView): Html {
  return layout(
    ctx,
    v.title,
    html`<h1>${v.title}</h1>
<section class="card danger-zone">
${v.lines.map((l) => html`<p>${l}</p>`)}
${v.error ? html`<p class="error" role="alert">${v.error}</p>` : ''}
<form method="post" action="${v.action}" class="confirm">${csrfField(ctx)}
${v.typeName !== undefined
  ? html`<label>Type <strong>${v.typeName}</strong> to confirm <input name="confirm" autocomplete="off" required></label>`
  : ''}
<p><button type="submit" class="danger">${v.button}</button> <a href="${v.cancel}">Cancel</a></p>
</form>
</section>`,
    v.crumbs ?? [],
  );
}

/** A link to a confirmation page, styled as a dangerous button. */
export function dangerLink(href: string, label: string): Html {
  return html`<a class="button danger" href="${href}">${label}</a>`;
}

/** The package page's "Remove package" (owners and admins). */
export function removePackageCard(href: string): Html {
  return html`<section class="card danger-zone"><h2>Remove this package</h2>
<p>Its versions disappear from composer at once; the dists already built stay downloadable for existing lock files during a grace period.</p>
${dangerLink(`${href}/remove`, 'Remove package…')}</section>`;
}

/** The settings page's "Delete organization" (instance admins). */
export function deleteOrgCard(ctx: ViewContext, org: string, fromConfig: boolean): Html {
  return html`<section class="card danger-zone"><h2>Delete this organization</h2>
${fromConfig
  ? html`<p class="hint">Declared in the config file (organizations[]): remove it there first, then delete it here.</p>`
  : html`<p>Deletes its packages, members, teams, credentials and tokens. The audit trail stays.</p>
${dangerLink(`${ctx.base}/${org}/-/delete`, 'Delete organization…')}`}</section>`;
}
