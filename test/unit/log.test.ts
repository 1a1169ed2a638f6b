// Secrets never reach the log: pino redacts them by path, at the depths we log them.
import t from 'tap';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.js';

t.test('passwords, tokens, keys and auth headers are redacted', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = createLogger('info', sink);
  log.info({ password: 'hunter2', token: 'pky_u_secret', credential: { privateKey: 'KEYDATA', password: 'p2' }, req: { headers: { authorization: 'Basic abc', cookie: 'sid=1' } } }, 'something');
  log.info({ config: { integrations: { token: 'ghp_x', webhook_secret: 'whsec' } } }, 'nested');
  const out = lines.join('');
  for (const secret of ['hunter2', 'pky_u_secret', 'KEYDATA', 'p2"', 'Basic abc', 'sid=1', 'ghp_x', 'whsec']) {
    t.notMatch(out, secret, `${secret} is not in the log`);
  }
  t.match(out, /\[redacted\]/);
});
