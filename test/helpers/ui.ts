// Drives the web UI through app.inject like a browser: keeps the cookies, reads the CSRF
// tokens out of the pages, signs in with the login form.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';

export function setCookies(res: LightMyRequestResponse): string[] {
  const h = res.headers['set-cookie'];
  return h === undefined ? [] : Array.isArray(h) ? h : [h];
}

export function cookieValue(res: LightMyRequestResponse, name: string): string | null {
  for (const c of setCookies(res)) {
    const m = new RegExp(`^${name}=([^;]*)`).exec(c);
    if (m) return m[1] ?? '';
  }
  return null;
}

/** The session CSRF token from a page's <body hx-headers>. */
export function csrfOf(body: string): string | null {
  return /hx-headers="\{&quot;X-CSRF-Token&quot;:&quot;([^&]+)&quot;\}"/.exec(body)?.[1] ?? null;
}

export function loginCsrfOf(body: string): string | null {
  return /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? null;
}

export const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export interface Browser {
  /** The session cookie value ('' when signed out). */
  session: string;
  csrf: string;
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  post(url: string, body: Record<string, string>, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

export function browser(app: FastifyInstance, session = '', csrf = ''): Browser {
  const b: Browser = {
    session,
    csrf,
    get: (url, headers = {}) => app.inject({ method: 'GET', url, headers: { ...(b.session ? { cookie: `packyard_session=${b.session}` } : {}), ...headers } }),
    post: (url, body, headers = {}) =>
      app.inject({ method: 'POST', url, payload: form(body), headers: { ...FORM, ...(b.session ? { cookie: `packyard_session=${b.session}` } : {}), ...headers } } as InjectOptions),
  };
  return b;
}

/** Signs in through GET and POST /login; returns a browser holding the new session and its CSRF token. */
export async function signIn(app: FastifyInstance, login: string, password: string): Promise<Browser> {
  const page = await app.inject({ method: 'GET', url: '/login' });
  const loginCookie = cookieValue(page, 'packyard_login_csrf');
  const token = loginCsrfOf(page.body);
  const res = await app.inject({
    method: 'POST',
    url: '/login',
    payload: form({ login, password, next: '/', _csrf: token ?? '' }),
    headers: { ...FORM, cookie: `packyard_login_csrf=${loginCookie}` },
  });
  const session = cookieValue(res, 'packyard_session');
  if (res.statusCode !== 303 || !session) throw new Error(`sign-in as ${login} failed: ${res.statusCode} ${res.body.slice(0, 200)}`);
  const b = browser(app, session);
  const home = await b.get('/');
  b.csrf = csrfOf(home.body) ?? '';
  return b;
}
