// Access token format: pky_<u|o>_<32 base62 characters><6-character base62 CRC32 checksum>, so
// secret scanners can recognise leaked tokens and typos are caught before any database lookup.
import { createHash, randomInt } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const TOKEN_KINDS = ['user', 'org'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];
export const TOKEN_SCOPES = ['read', 'update'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

const TOKEN_RE = /^pky_([uo])_([0-9A-Za-z]{32})([0-9A-Za-z]{6})$/;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(s: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(s, 'utf8')) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function base62(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

export function generateToken(kind: TokenKind): string {
  let random = '';
  for (let i = 0; i < 32; i++) random += BASE62[randomInt(62)];
  const prefix = `pky_${kind === 'user' ? 'u' : 'o'}_`;
  return `${prefix}${random}${base62(crc32(prefix + random), 6)}`;
}

/** Checks the shape and checksum only; says nothing about whether the token exists. */
export function parseToken(token: string): { kind: TokenKind } | null {
  const m = TOKEN_RE.exec(token);
  if (!m) return null;
  const prefix = `pky_${m[1]}_`;
  if (base62(crc32(prefix + (m[2] as string)), 6) !== m[3]) return null;
  return { kind: m[1] === 'u' ? 'user' : 'org' };
}

/** Tokens are 190 random bits: a fast hash is enough and keeps every request cheap. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function tokenHint(token: string): string {
  return `${token.slice(0, 10)}…`;
}
