// A real browser for the UI tests: Debian's chromium (apt-get install chromium; the path can be
// changed with PACKYARD_CHROMIUM) driven by playwright-core, headless, with a fresh temporary
// profile and no network of its own (no sync, updates or QUIC). One browser per test file:
// openBrowser(t) launches it and closes it in t.teardown; each flow takes a new context (its own
// cookies) with a fixed 1280x800 viewport (or PHONE_VIEWPORT, a phone held upright).
//
// Without chromium the browser tests skip locally with a message, but FAIL in CI (CI=true):
// a CI image that lost the package must not turn the suite silently green.
//
// shot(page, name) saves test-output/screenshots/NAME.png; with PACKYARD_DOC_SCREENSHOTS=1 the
// shots marked { doc: true } are also written to docs/ui/NAME.png (the pictures in docs/ui.md).
import { existsSync, mkdirSync, copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export type { Browser, BrowserContext, Page };

const ROOT = resolve(import.meta.dirname, '..', '..');
export const SCREENSHOT_DIR = join(ROOT, 'test-output', 'screenshots');
export const DOC_SCREENSHOT_DIR = join(ROOT, 'docs', 'ui');
export const CHROMIUM = process.env.PACKYARD_CHROMIUM || '/usr/bin/chromium';
export const VIEWPORT = { width: 1280, height: 800 } as const;
/** A small phone held upright (iPhone SE size), for the layout checks. */
export const PHONE_VIEWPORT = { width: 375, height: 667 } as const;
/** The bound for every wait on the page (htmx polls, navigations). */
export const WAIT_MS = 20_000;

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/**
 * Why the browser tests cannot run here, as a tap `skip` reason; false when they can (or must:
 * in CI a missing chromium is not a reason to skip, the launch fails the test instead).
 */
export function browserSkip(): string | false {
  if (existsSync(CHROMIUM) || process.env.CI === 'true' || process.env.CI === '1') return false;
  return `no chromium at ${CHROMIUM} (apt-get install chromium, or set PACKYARD_CHROMIUM); browser tests skipped`;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface TestBrowser {
  browser: Browser;
  /** A new context (fresh cookies) with the fixed viewport, or the phone's; closed with the browser. */
  context(opts?: { phone?: boolean }): Promise<BrowserContext>;
  /** A page in a new context. */
  page(opts?: { phone?: boolean }): Promise<Page>;
}

export async function openBrowser(t: Teardown): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`chromium is missing at ${CHROMIUM}: install it (scripts/install-test-deps.sh) or set PACKYARD_CHROMIUM`);
  }
  // launch() runs chromium with a new temporary --user-data-dir and removes it on close.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
  t.teardown(() => browser.close());
  const context = async (opts: { phone?: boolean } = {}) => {
    const c = await browser.newContext({
      viewport: opts.phone ? PHONE_VIEWPORT : VIEWPORT,
      // A phone honours <meta name="viewport"> and has touch, as the real ones do.
      ...(opts.phone ? { isMobile: true, hasTouch: true } : {}),
      locale: 'en-US',
      timezoneId: 'UTC',
      colorScheme: 'light',
    });
    c.setDefaultTimeout(WAIT_MS);
    c.setDefaultNavigationTimeout(WAIT_MS);
    return c;
  };
  return { browser, context, page: async (opts = {}) => (await context(opts)).newPage() };
}

/**
 * Saves a viewport screenshot to test-output/screenshots/NAME.png (fullPage for short pages
 * that run past the fold); with doc, also to docs/ui/NAME.png when PACKYARD_DOC_SCREENSHOTS=1.
 */
export async function shot(page: Page, name: string, opts: { doc?: boolean; fullPage?: boolean } = {}): Promise<string> {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`screenshot name ${name}: use a-z, 0-9 and -`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: opts.fullPage ?? false, animations: 'disabled', caret: 'hide' });
  if (opts.doc && process.env.PACKYARD_DOC_SCREENSHOTS === '1') {
    mkdirSync(DOC_SCREENSHOT_DIR, { recursive: true });
    copyFileSync(file, join(DOC_SCREENSHOT_DIR, `${name}.png`));
  }
  return file;
}
