// Encrypts stored secrets (credentials) with AES-256-GCM under a key derived by HKDF from the
// instance secret_key; each value gets a fresh nonce, and the purpose is bound as AAD.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';

const VERSION = 1;

export interface SecretBox {
  seal(plaintext: string, purpose: string): Buffer;
  open(sealed: Buffer, purpose: string): string;
  /**
   * A keyed fingerprint (HMAC-SHA256 under a key of its own, derived from secret_key) to tell
   * whether a secret changed without storing anything a leaked database could test guesses against.
   */
  fingerprint(value: string, purpose: string): string;
}

export function createSecretBox(secretKey: string): SecretBox {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(secretKey, 'utf8'), Buffer.alloc(0), 'packyard stored secrets v1', 32));
  const macKey = Buffer.from(hkdfSync('sha256', Buffer.from(secretKey, 'utf8'), Buffer.alloc(0), 'packyard secret fingerprints v1', 32));
  return {
    fingerprint(value, purpose) {
      return createHmac('sha256', macKey).update(purpose, 'utf8').update('\0').update(value, 'utf8').digest('hex');
    },
    seal(plaintext, purpose) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(purpose, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
    },
    open(sealed, purpose) {
      if (sealed[0] !== VERSION) throw new Error('unknown secret format');
      const iv = sealed.subarray(1, 13);
      const tag = sealed.subarray(13, 29);
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(Buffer.from(purpose, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString('utf8');
    },
  };
}

/** The configured key, or DATA_DIR/secret.key (created on first start with mode 0600). */
export function loadOrCreateSecretKey(configured: string | undefined, keyFile: string): string {
  if (configured !== undefined) return configured;
  if (existsSync(keyFile)) return readFileSync(keyFile, 'utf8').trim();
  mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('base64url');
  try {
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another process (the CLI beside the server) created it first: use theirs.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(keyFile, 'utf8').trim();
    throw e;
  }
  chmodSync(keyFile, 0o600);
  return key;
}
