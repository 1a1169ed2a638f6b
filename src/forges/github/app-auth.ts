// GitHub App authentication: an RS256 JWT (node:crypto) buys installation tokens, which are
// cached per installation and refreshed five minutes before they expire.
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { ForgeHttpClient } from '../http.js';
import { ForgeError } from '../types.js';
import { AccessTokenSchema, InstallationSchema, firstProblem } from './schemas.js';

export interface AppCredentials {
  appId: string;
  privateKey: string;
  installationId?: string | undefined;
}

const REFRESH_BEFORE_MS = 5 * 60_000;

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** A JWT for the App: issued 60 s in the past (clock skew), valid 9 minutes (GitHub allows 10). */
export function appJwt(appId: string, key: KeyObject, nowMs: number): string {
  const now = Math.floor(nowMs / 1000);
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({ iat: now - 60, exp: now + 540, iss: appId }));
  const signature = sign('sha256', Buffer.from(`${head}.${body}`), key);
  return `${head}.${body}.${b64url(signature)}`;
}

export class AppAuth {
  private readonly key: KeyObject;
  private readonly installations = new Map<string, Promise<string>>();
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly creds: AppCredentials,
    private readonly client: ForgeHttpClient,
    private readonly now: () => number = Date.now,
  ) {
    try {
      // A PEM pasted into an environment variable often arrives with literal \n escapes.
      const pem = creds.privateKey.includes('\n') ? creds.privateKey : creds.privateKey.replace(/\\n/g, '\n');
      this.key = createPrivateKey(pem);
    } catch (e) {
      throw new ForgeError('invalid', `forge ${client.integration}: app.private_key is not a usable PEM private key (${(e as Error).message})`, {
        integration: client.integration,
      });
    }
  }

  jwt(): string {
    return appJwt(this.creds.appId, this.key, this.now());
  }

  /** The installation on `org`: the configured id, else GET /orgs/{org}/installation (cached). */
  installationId(org: string): Promise<string> {
    if (this.creds.installationId) return Promise.resolve(this.creds.installationId);
    const key = org.toLowerCase();
    let p = this.installations.get(key);
    if (!p) {
      p = this.client.json<unknown>(`/orgs/${encodeURIComponent(org)}/installation`, { token: () => this.jwt() }).then((body) => {
        const problem = firstProblem(InstallationSchema, body);
        if (problem) throw this.client.error('invalid', `installation: ${problem}`, this.client.url(`/orgs/${org}/installation`));
        return String((body as { id: number }).id);
      });
      // A failure is not cached: the next call asks again.
      p.catch(() => this.installations.delete(key));
      this.installations.set(key, p);
    }
    return p;
  }

  /** A valid installation token for `org`, refreshed 5 minutes before expires_at. */
  async token(org: string): Promise<string> {
    const id = await this.installationId(org);
    const cached = this.tokens.get(id);
    if (cached && this.now() < cached.expiresAt - REFRESH_BEFORE_MS) return cached.token;
    let p = this.pending.get(id);
    if (!p) {
      p = this.refresh(id).finally(() => this.pending.delete(id));
      this.pending.set(id, p);
    }
    return p;
  }

  private async refresh(id: string): Promise<string> {
    const path = `/app/installations/${encodeURIComponent(id)}/access_tokens`;
    const body = await this.client.json<unknown>(path, { method: 'POST', token: () => this.jwt(), retryUnsafe: true });
    const problem = firstProblem(AccessTokenSchema, body);
    if (problem) throw this.client.error('invalid', `access token: ${problem}`, this.client.url(path));
    const { token, expires_at } = body as { token: string; expires_at: string };
    const expiresAt = Date.parse(expires_at);
    if (!Number.isFinite(expiresAt)) throw this.client.error('invalid', 'access token: expires_at is not a date', this.client.url(path));
    this.tokens.set(id, { token, expiresAt });
    return token;
  }
}
