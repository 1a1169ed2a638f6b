// Our composer.json parser must accept exactly what PHP's json_decode (thus composer) accepts,
// decode it to the same value, and place errors at the right line and column.

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { lineAndColumn, parseJsonText } from '../../../src/composer/json.js';
import { phpMinifierProblem, phpShape } from '../../helpers/php-minifier.js';

// Inputs as bytes, so malformed UTF-8 reaches PHP unchanged.
const TEXTS: Buffer[] = [
  '{}', '[]', '{"a":1}', ' \t\r\n{"a" : [ 1 , 2 ] }\n', '{"a":1,}', '[1,]', '[,1]', '{,}', '{"a"}', '{"a":}', '{"a" 1}',
  '{a:1}', "{'a':1}", '"x"', '0', '-0', '01', '1.', '.5', '1e5', '1E+5', '2.5e-1', '-1.25e2', '+1', '0x10', 'NaN', 'Infinity',
  'true', 'True', 'null', 'nul', '', ' ', '{"a":1}{}', '{"a":1} ', '{"a":1}\u0000', '"\\u0041\\u00e9\\u2028"', '"\\/"', '"\\a"',
  '"\\u12"', '"\\uD83D\\uDE00"', '"\\ud83d"', '"\\ude00"', '"\\ud83d\\u0041"', '"\\ud83dx"', '"tab\there"', '"nl\nx"', '"\u007f"',
  '{"__proto__":{"x":1},"constructor":2}', '{"a":1,"b":2,"a":3}', '{"":1,"0":2,"-1":3,"01":4}', '{"b":1,"2":2}',
  '"\u00e9\u{1f600}"', '\ufeff{}', '{"a":[[[[[]]]]]}', '[9007199254740993]', '[1.5, -0.25, 100000]',
  `${'['.repeat(511)}${']'.repeat(511)}`, `${'['.repeat(512)}${']'.repeat(512)}`, `{"a":${'{"b":'.repeat(510)}1${'}'.repeat(510)}}`,
  `{"a":${'{"b":'.repeat(511)}1${'}'.repeat(511)}}`,
].map((s) => Buffer.from(s, 'utf8')).concat([
  Buffer.from([0x22, 0xc3, 0x28, 0x22]), // bad continuation
  Buffer.from([0x22, 0xe0, 0x80, 0x80, 0x22]), // overlong
  Buffer.from([0x22, 0xf4, 0x90, 0x80, 0x80, 0x22]), // above U+10FFFF
]);

// Decodes each input with json_decode($text, true) and answers json_encode of it, or null.
const DECODE = `
$flags = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_LINE_TERMINATORS;
$out = [];
foreach (json_decode(stream_get_contents(STDIN), true) as $b64) {
    $value = json_decode(base64_decode($b64), true);
    $out[] = json_last_error() === JSON_ERROR_NONE ? json_encode($value, $flags) : null;
}
echo json_encode($out);
`;

// Known, documented differences, where a JS value cannot hold what PHP's array holds: JS puts
// integer-like keys first in ascending order (PHP keeps file order), and integers beyond 2^53
// lose precision. Neither changes what composer does with a manifest.
const KNOWN_DIFFERENCES = new Map<string, string>([
  ['{"":1,"0":2,"-1":3,"01":4}', '{"0":2,"":1,"-1":3,"01":4}'],
  ['{"b":1,"2":2}', '{"2":2,"b":1}'],
  ['[9007199254740993]', '[9007199254740992]'],
]);

const problem = phpMinifierProblem();
if (problem !== null) {
  t.fail(`cannot compare with PHP's json_decode: ${problem}`);
} else {
  t.test('accepts and decodes exactly what json_decode does', async (t) => {
    const run = spawnSync('php', ['-r', DECODE], {
      input: JSON.stringify(TEXTS.map((b) => b.toString('base64'))),
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    t.equal(run.status, 0, run.stderr);
    const php = JSON.parse(run.stdout) as (string | null)[];
    TEXTS.forEach((bytes, i) => {
      // invalid UTF-8 is refused before parsing (parseManifest); model that here
      const invalidUtf8 = !bytes.equals(Buffer.from(bytes.toString('utf8'), 'utf8'));
      const ours = invalidUtf8 ? { ok: false as const } : parseJsonText(bytes.toString('utf8'));
      const label = JSON.stringify(bytes.toString('utf8').slice(0, 40));
      const known = KNOWN_DIFFERENCES.get(bytes.toString('utf8'));
      if (php[i] === null) t.notOk(ours.ok, `${label} is rejected`);
      else if (known !== undefined) t.equal(ours.ok ? JSON.stringify(ours.value) : 'rejected', known, `${label}: known difference`);
      else t.equal(ours.ok ? JSON.stringify(phpShape(ours.value)) : 'rejected', php[i], `${label} decodes the same`);
    });
  });
}

t.test('error positions', async (t) => {
  t.match(parseJsonText('{\n  "a": 1,\n  "b": tru\n}'), { ok: false, message: 'Unexpected character U+000A', line: 3, column: 11 });
  t.match(parseJsonText('{"a": "\u{1f600}", x}'), { ok: false, message: 'Unexpected token x', line: 1, column: 12 }, 'an emoji is one column');
  t.match(parseJsonText('{"a":'), { ok: false, message: 'Unexpected end of input', line: 1, column: 6 });
  t.same(lineAndColumn('a\r\nb\rc\nd', 7), { line: 4, column: 1 }, 'CRLF, CR and LF each end a line');
});

t.test('__proto__ is an ordinary key', async (t) => {
  const result = parseJsonText('{"__proto__": {"polluted": true}}');
  t.ok(result.ok);
  if (!result.ok) return;
  t.same(Object.keys(result.value as object), ['__proto__']);
  t.equal(({} as Record<string, unknown>)['polluted'], undefined);
  t.equal(Object.getPrototypeOf(result.value), Object.prototype);
});
