// A package's generic hook URL carries a random token; only its sha256 is stored, so the URL
// cannot be rebuilt from a leaked database (tokens are random: a slow hash buys nothing).
import { createHash } from 'node:crypto';

export function hashHookToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
