// vcs.denied_networks matching: IPv4, IPv6, IPv4-mapped IPv6, prefixes that end inside a byte,
// and the config check's view of invalid entries.
import t from 'tap';
import { DEFAULT_DENIED_NETWORKS } from '../../../src/config/schema.js';
import { addressBytes, deniedBy, invalidCidrs, parseCidr, type Cidr } from '../../../src/domain/cidr.js';

const nets = (list: readonly string[]): Cidr[] => list.map((c) => parseCidr(c) as Cidr);

t.test('the default list denies loopback, link-local, metadata and unspecified addresses', async (t) => {
  const d = nets(DEFAULT_DENIED_NETWORKS);
  for (const a of ['127.0.0.1', '127.255.0.9', '::1', '169.254.169.254', 'fe80::1', 'febf::1', '0.0.0.0', '::', 'fd00:ec2::254', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '[::1]']) {
    t.ok(deniedBy(d, a), `${a} is denied`);
  }
  for (const a of ['10.0.0.1', '192.168.1.1', '8.8.8.8', '2001:db8::1', 'fec0::1', 'fd00:ec2::253', '::2', '128.0.0.1']) {
    t.equal(deniedBy(d, a), null, `${a} is allowed`);
  }
  t.equal(deniedBy(d, '169.254.169.254')?.text, '169.254.0.0/16', 'names the network that matched');
});

t.test('prefixes inside a byte, bare addresses and mapped networks', async (t) => {
  t.ok(deniedBy(nets(['10.64.0.0/10']), '10.127.255.255'));
  t.equal(deniedBy(nets(['10.64.0.0/10']), '10.128.0.0'), null);
  t.ok(deniedBy(nets(['192.0.2.7']), '192.0.2.7'), 'a bare address is a /32');
  t.equal(deniedBy(nets(['192.0.2.7']), '192.0.2.8'), null);
  t.ok(deniedBy(nets(['::ffff:10.0.0.0/104']), '10.1.2.3'), 'a mapped network holds IPv4 addresses');
  t.ok(deniedBy(nets(['0.0.0.0/0']), '203.0.113.5'));
  t.ok(deniedBy(nets(['::/0']), '2001:db8::5'));
  t.equal(deniedBy(nets(['::/0']), '203.0.113.5'), null, 'families do not mix');
  t.equal(deniedBy(nets(['127.0.0.0/8']), 'localhost'), null, 'a name is not an address');
  t.same(addressBytes('::ffff:1.2.3.4'), Uint8Array.from([1, 2, 3, 4]));
});

t.test('invalid entries are reported', async (t) => {
  t.same(invalidCidrs(['10.0.0.0/8', '10.0.0.0/33', '300.1.1.1/8', 'fe80::/129', 'example.com/8', '1.2.3.4/8/1', '', 'fe80:::1/10', '::1/128']), [
    '10.0.0.0/33', '300.1.1.1/8', 'fe80::/129', 'example.com/8', '1.2.3.4/8/1', '', 'fe80:::1/10',
  ]);
});
