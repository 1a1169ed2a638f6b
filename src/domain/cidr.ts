// CIDR parsing and matching for vcs.denied_networks (pure): IPv4 and IPv6 addresses as bytes,
// IPv4-mapped IPv6 (::ffff:a.b.c.d) normalised to IPv4 so a mapped loopback still matches 127/8.

export interface Cidr {
  /** The network as written in the config (for messages). */
  text: string;
  bytes: Uint8Array;
  prefix: number;
}

function ipv4Bytes(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

function ipv6Bytes(text: string): Uint8Array | null {
  let head = text;
  let v4: Uint8Array | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    v4 = ipv4Bytes(text.slice(lastColon + 1));
    if (v4 === null) return null;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const left = groups(halves[0] as string);
  const right = halves.length === 2 ? groups(halves[1] as string) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = all[i] as string;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  }
  if (v4) out.set(v4, 12);
  return out;
}

/** An address as bytes (4 or 16), IPv4-mapped IPv6 as IPv4; null when `text` is not an IP address. */
export function addressBytes(text: string): Uint8Array | null {
  const plain = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (!plain.includes(':')) return ipv4Bytes(plain);
  const b = ipv6Bytes(plain);
  if (b === null) return null;
  const mapped = b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  return mapped ? b.slice(12) : b;
}

/** Parses `ADDRESS/PREFIX` (or a bare address: a /32 or /128); null when it is not a valid CIDR. */
export function parseCidr(text: string): Cidr | null {
  const [addr = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  const plain = addr.replace(/^\[(.*)\]$/, '$1');
  // A mapped IPv6 network is kept as written (16 bytes); cidrContains compares it with IPv4.
  const bytes = plain.includes(':') ? ipv6Bytes(plain) : ipv4Bytes(plain);
  if (bytes === null) return null;
  const max = bytes.length * 8;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return null;
  return { text: text.trim(), bytes, prefix };
}

/** The entries of `list` that are not valid CIDRs (for the config check). */
export function invalidCidrs(list: readonly string[]): string[] {
  return list.filter((c) => parseCidr(c) === null);
}

/** Whether `address` (bytes from addressBytes) lies in `cidr`. */
export function cidrContains(cidr: Cidr, address: Uint8Array): boolean {
  let net = cidr.bytes;
  // ::ffff:0:0/96-style networks hold IPv4 addresses, which addressBytes gives as 4 bytes.
  if (net.length === 16 && address.length === 4 && net.slice(0, 10).every((x) => x === 0) && net[10] === 0xff && net[11] === 0xff) {
    if (cidr.prefix < 96) return true;
    net = net.slice(12);
    return prefixMatch(net, address, cidr.prefix - 96);
  }
  if (net.length !== address.length) return false;
  return prefixMatch(net, address, cidr.prefix);
}

function prefixMatch(net: Uint8Array, address: Uint8Array, prefix: number): boolean {
  const full = Math.floor(prefix / 8);
  for (let i = 0; i < full; i++) if (net[i] !== address[i]) return false;
  const rest = prefix % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((net[full] as number) & mask) === ((address[full] as number) & mask);
}

/** The first network of `networks` that holds `address`, or null (also null for a non-address). */
export function deniedBy(networks: readonly Cidr[], address: string): Cidr | null {
  const bytes = addressBytes(address);
  if (bytes === null) return null;
  return networks.find((n) => cidrContains(n, bytes)) ?? null;
}
