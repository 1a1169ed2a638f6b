// The web UI in a real browser (Debian's chromium, test/helpers/browser.ts) with local accounts:
// the instance admin signs in with the password form (a wrong password first), opens an
// organization whose package carries markup in its description (shown as text, never run),
// creates a token with a scope and an expiry (its secret shown once, and it works with the
// composer endpoints), then revokes it (and it stops working), and creates an organization (a bad
// name is shown at its field), copies and replaces a package's hook URL, and removes a package
// through its confirmation page.
// Screenshots as in forge.test.ts.
import t from 'tap';
import { browserSkip, openBrowser, shot } from '../helpers/browser.js';
import { PASSWORD, uiFixture } from '../helpers/ui-fixture.js';

t.test('local sign-in and tokens in chromium', { skip: browserSkip() }, async (t) => {
  const { pky } = await uiFixture(t);
  const b = await openBrowser(t);
  const page = await b.page();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const url = (path: string) => `${pky.url}${path}`;
  const p2 = async (token: string) => {
    const res = await fetch(url('/acme/p2/acme/foo.json'), { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    return res.status;
  };

  await t.test('the admin signs in with login and password', async (t) => {
    await page.goto(url('/acme/'));
    await page.waitForURL(/\/login\?next=%2Facme%2F$/);
    await page.getByLabel('Login').fill('root');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    t.match(await page.getByRole('alert').textContent(), 'The login or password is not right.', 'a wrong password is refused (not "Request refused": the favicon request once replaced the form token)');
    await shot(page, 'sign-in-failed');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(url('/acme/'));
    t.equal(await page.locator('a.who').textContent(), 'root (admin)');
    await page.locator('#package-rows a', { hasText: 'acme/foo' }).waitFor();
    t.match(await page.locator('#package-rows .desc').textContent(), 'Foo <script>alert(1)</script>', 'markup in a description is text');
    t.same(dialogs, [], 'and it did not run');
    await shot(page, 'admin-org');
  });

  await t.test('d: create a token with a scope and an expiry, then revoke it', async (t) => {
    await page.locator('nav.org-nav').getByRole('link', { name: 'Tokens' }).click();
    await page.getByRole('heading', { name: 'Tokens for acme' }).waitFor();
    const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Name').fill('laptop');
    await page.getByLabel('Scope').selectOption('update');
    await page.getByLabel('Expires').fill(expires);
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = page.locator('pre#new-token');
    await secret.waitFor();
    const token = ((await secret.textContent()) ?? '').trim();
    t.match(token, /^pky_u_[0-9A-Za-z]{38}$/, 'the secret is shown');
    const row = page.locator('tr', { has: page.getByRole('cell', { name: 'laptop', exact: true }) });
    const listed = (await row.textContent()) ?? '';
    t.match(listed, /\bupdate\b/, 'listed with its scope');
    t.match(listed, expires, 'and its expiry');
    t.equal(await row.locator('code').textContent(), `${token.slice(0, 10)}…`, 'its first characters, one ellipsis');
    await shot(page, 'tokens', { doc: true });
    t.equal(await p2(token), 200, 'the token reads the organization');

    await page.goto(url('/acme/-/tokens'));
    await row.waitFor();
    t.equal(await page.locator('pre#new-token').count(), 0, 'the secret is not shown again');
    t.notMatch(await page.content(), token, 'not anywhere on the page');
    // Revoking asks first, on a page of its own.
    await row.getByRole('link', { name: 'Revoke…' }).click();
    await page.getByRole('button', { name: 'Revoke token' }).click();
    await page.locator('tr.revoked', { hasText: 'laptop' }).waitFor();
    t.match(await page.locator('tr.revoked', { hasText: 'laptop' }).textContent(), /revoked \d{4}-\d\d-\d\d/);
    await shot(page, 'tokens-revoked');
    t.equal(await p2(token), 401, 'a revoked token no longer reads');
  });

  await t.test('the admin creates an organization', async (t) => {
    await page.goto(url('/'));
    await page.getByRole('link', { name: 'New organization' }).click();
    await page.getByRole('heading', { name: 'New organization' }).waitFor();
    await page.getByLabel('Name').fill('Not Valid');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.locator('#name-error').waitFor();
    t.equal(await page.getByLabel('Name').getAttribute('aria-invalid'), 'true', 'a bad name is shown at its field');
    await page.getByLabel('Name').fill('widgets');
    await shot(page, 'new-organization', { doc: true });
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(url('/widgets/'));
    t.match(await page.locator('h1').textContent(), 'widgets');
    await page.goto(url('/'));
    t.ok(await page.getByRole('link', { name: 'widgets' }).count(), 'listed among the organizations');
  });

  await t.test('the hook URL on the package page: Copy puts it on the clipboard, Replace… asks first', async (t) => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: pky.url });
    await page.goto(url('/acme/-/packages/acme/foo'));
    const field = page.getByLabel('Generic hook URL');
    const first = await field.inputValue();
    t.match(first, `${pky.url}/hooks/generic/`);
    t.ok(await field.getAttribute('readonly') !== null, 'a read-only field (selectable without JavaScript)');
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    t.equal(await page.evaluate<string>('navigator.clipboard.readText()'), first, 'the URL, not the field\'s (empty) text');
    await shot(page, 'package-hook', { doc: true });
    await page.getByRole('link', { name: 'Replace…' }).click();
    await page.getByRole('heading', { name: 'Replace the hook URL of acme/foo' }).waitFor();
    await page.getByRole('button', { name: 'Replace hook URL' }).click();
    await page.getByText('Replaced: the old URL no longer works.').waitFor();
    const second = await page.getByLabel('Generic hook URL').inputValue();
    t.not(second, first);
    t.equal((await fetch(first, { method: 'POST' })).status, 404, 'the old URL is gone');
    t.equal((await fetch(second, { method: 'POST' })).status, 202);
  });

  await t.test('the admin removes a package: a confirmation page, the name typed', async (t) => {
    const token = (await pky.cli(['token', 'create', '--org', 'acme'])).stdout.trim();
    t.equal(await p2(token), 200);
    await page.goto(url('/acme/-/packages/acme/foo'));
    await page.getByRole('link', { name: 'Remove package…' }).click();
    await page.getByRole('heading', { name: 'Remove acme/foo' }).waitFor();
    await page.getByLabel('Type acme/foo to confirm').fill('acme/fo');
    await page.getByRole('button', { name: 'Remove package' }).click();
    await page.getByRole('alert').waitFor();
    t.match(await page.getByRole('alert').textContent(), 'Type acme/foo to confirm.', 'a wrong name removes nothing');
    t.equal(await p2(token), 200);
    await page.getByLabel('Type acme/foo to confirm').fill('acme/foo');
    await shot(page, 'remove-package', { doc: true });
    await page.getByRole('button', { name: 'Remove package' }).click();
    await page.waitForURL(url('/acme/'));
    t.equal(await page.locator('#package-rows a', { hasText: 'acme/foo' }).count(), 0, 'gone from the list');
    t.equal(await p2(token), 404, 'and from composer');
    t.same(dialogs, [], 'no JavaScript dialog on the way');
  });
});
