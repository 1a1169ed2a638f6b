import t from 'tap';
import { crc32, generateToken, hashToken, parseToken } from '../../../src/domain/tokens.js';

t.test('format: pky_<u|o>_ + 32 base62 + 6 checksum characters', async (t) => {
  const u = generateToken('user');
  const o = generateToken('org');
  t.match(u, /^pky_u_[0-9A-Za-z]{38}$/);
  t.match(o, /^pky_o_[0-9A-Za-z]{38}$/);
  t.same(parseToken(u), { kind: 'user' });
  t.same(parseToken(o), { kind: 'org' });
  t.not(generateToken('user'), u, 'random');
});

t.test('the checksum catches typos before any lookup', async (t) => {
  const tok = generateToken('user');
  const flipped = tok.slice(0, 10) + (tok[10] === 'a' ? 'b' : 'a') + tok.slice(11);
  t.equal(parseToken(flipped), null);
  t.equal(parseToken(`${tok}x`), null);
  t.equal(parseToken('ghp_abc'), null);
});

t.test('crc32 matches the standard check value', async (t) => {
  t.equal(crc32('123456789'), 0xcbf43926);
});

t.test('hash is sha256 hex', async (t) => {
  t.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
