// The layout on a phone (375x667, test/helpers/browser.ts PHONE_VIEWPORT): the organization's
// package list and a package page fit the width (no sideways scrolling of the whole document;
// wide tables scroll inside their own .scroll box). Screenshots: test-output/screenshots/phone-*.png.
import t from 'tap';
import { browserSkip, openBrowser, shot, type Page } from '../helpers/browser.js';
import { PASSWORD, uiFixture } from '../helpers/ui-fixture.js';

/**
 * How wide the document is against the viewport, and the elements that stick out past its right
 * edge outside a .scroll box (run in the page; a string, as the tests compile without DOM types).
 */
const OVERFLOW = `(() => {
  const root = document.documentElement;
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > root.clientWidth + 0.5 && !el.closest('.scroll')) {
      const cls = typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      culprits.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls + ' right=' + Math.round(r.right));
    }
  }
  return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, innerWidth: window.innerWidth, culprits: culprits.slice(0, 10) };
})()`;

async function overflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number; innerWidth: number; culprits: string[] }> {
  return page.evaluate<{ scrollWidth: number; clientWidth: number; innerWidth: number; culprits: string[] }>(OVERFLOW);
}

t.test('phone layout in chromium', { skip: browserSkip() }, async (t) => {
  const { pky } = await uiFixture(t);
  const b = await openBrowser(t);
  const url = (path: string) => `${pky.url}${path}`;

  for (const [login, pages] of [
    ['alice', [['/acme/', 'phone-packages'], ['/acme/-/packages/acme/foo', 'phone-package']]],
    ['frank', [['/corp/', 'phone-packages-owner'], ['/corp/-/packages/corp/shared', 'phone-package-owner']]],
  ] as const) {
    await t.test(`${login}: no horizontal overflow at 375 px`, async (t) => {
      const page = await b.page({ phone: true });
      await page.goto(url('/login'));
      await page.getByLabel('Login').fill(login);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(url('/'));
      for (const [path, name] of pages) {
        await page.goto(url(path));
        await page.locator('nav.org-nav').waitFor();
        const o = await overflow(page);
        t.equal(o.innerWidth, 375, `${path}: not zoomed out to fit something wider`);
        t.ok(o.scrollWidth <= o.clientWidth, `${path}: document ${o.scrollWidth} px wide in a ${o.clientWidth} px viewport`, { culprits: o.culprits });
        t.same(o.culprits, [], `${path}: nothing sticks out (outside .scroll boxes)`);
        await shot(page, name, { fullPage: true });
      }
    });
  }
});
