// The secret box: sealed values open only under the same key and purpose; fingerprints are keyed,
// so a row holding one cannot be checked against guesses without the instance's secret_key.
import t from 'tap';
import { createHash } from 'node:crypto';
import { createSecretBox } from '../../../src/services/secrets.js';

t.test('seal and open round-trip under the same key and purpose only', async (t) => {
  const box = createSecretBox('0123456789abcdef-key-one');
  const sealed = box.seal('hunter2', 'credential:1');
  t.equal(box.open(sealed, 'credential:1'), 'hunter2');
  t.throws(() => box.open(sealed, 'credential:2'), 'another purpose fails');
  t.throws(() => createSecretBox('0123456789abcdef-key-two').open(sealed, 'credential:1'), 'another key fails');
});

t.test('fingerprints are stable per key and purpose, and keyed', async (t) => {
  const box = createSecretBox('0123456789abcdef-key-one');
  const fp = box.fingerprint('s3cret', 'webhook secret');
  t.match(fp, /^[0-9a-f]{64}$/);
  t.equal(box.fingerprint('s3cret', 'webhook secret'), fp, 'stable');
  t.not(box.fingerprint('s3cret2', 'webhook secret'), fp, 'another secret differs');
  t.not(box.fingerprint('s3cret', 'other purpose'), fp, 'another purpose differs');
  t.not(createSecretBox('0123456789abcdef-key-two').fingerprint('s3cret', 'webhook secret'), fp, 'another instance key differs');
  t.not(createHash('sha256').update('s3cret').digest('hex'), fp, 'not a plain hash of the secret');
});
