// The failed-authentication counter stays bounded: past its cap, addresses are counted together.
import t from 'tap';
import { Counter, Registry } from 'prom-client';
import { FailedAuthCounter } from '../../../src/services/failed-auth.js';
import type { Logger } from '../../../src/log.js';

t.test('bounded: addresses beyond the cap are counted together', async (t) => {
  const logged: Record<string, unknown>[] = [];
  const log = { warn: (o: Record<string, unknown>) => logged.push(o) } as unknown as Logger;
  const c = new FailedAuthCounter(log, new Counter({ name: 'x_total', help: 'x', registers: [new Registry()] }), { maxAddresses: 3, topAddresses: 2 });
  for (let i = 0; i < 10; i++) c.record(`10.0.0.${i}`);
  c.record('10.0.0.0');
  c.stop();
  t.match(logged, [{ failures: 11, addresses: 4, otherAddresses: 7, top: [{ address: '10.0.0.0', count: 2 }, { address: '10.0.0.1', count: 1 }] }]);
});
