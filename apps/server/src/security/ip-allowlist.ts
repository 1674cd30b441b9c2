import { isIPv4, isIPv6 } from 'node:net';

/**
 * API key IP whitelists (A13): single IPv4/IPv6 addresses and CIDR ranges, parsed strictly to
 * bytes and matched bit by bit. An IPv4 client seen as an IPv4-mapped IPv6 address
 * (`::ffff:1.2.3.4`, as a dual-stack listener reports it) matches IPv4 rules, and the other way
 * round.
 */

export type IpVersion = 4 | 6;

/** One parsed whitelist entry: the network's bytes (host bits zero) and its prefix length. */
export interface IpRule {
  readonly version: IpVersion;
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
export interface IpAddress {
  readonly version: IpVersion;
  readonly bytes: Uint8Array;
}

const ipv4MappedPrefix = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);

function parseIPv4(text: string): Uint8Array | null {
  // node:net refuses leading zeros ("010.0.0.1" could mean octal), short forms and out-of-range octets.
  if (!isIPv4(text)) return null;
  return Uint8Array.from(text.split('.').map(Number));
}

function parseIPv6(text: string): Uint8Array | null {
  // A zone (`fe80::1%eth0`) names an interface of one machine; it has no place in a whitelist.
  if (!isIPv6(text) || text.includes('%')) return null;
  let hex = text;
  let embedded: Uint8Array | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    embedded = parseIPv4(text.slice(lastColon + 1));
    if (embedded === null) return null;
    hex = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = hex.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const left = groupsOf(halves[0]!);
  const right = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  const bytes = new Uint8Array(16);
  for (const [i, group] of groups.entries()) {
    if (!/^[0-9A-Fa-f]{1,4}$/.test(group)) return null;
    const value = parseInt(group, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  }
  if (embedded) bytes.set(embedded, 12);
  return bytes;
}

/** Parses an IPv4 or IPv6 address strictly; null when it is not exactly one address. */
export function parseIp(text: string): IpAddress | null {
  const v4 = parseIPv4(text);
  if (v4) return { version: 4, bytes: v4 };
  const v6 = parseIPv6(text);
  return v6 ? { version: 6, bytes: v6 } : null;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address, else null. */
function unmapped(address: IpAddress): IpAddress | null {
  if (address.version !== 6) return null;
  for (const [i, byte] of ipv4MappedPrefix.entries()) if (address.bytes[i] !== byte) return null;
  return { version: 4, bytes: address.bytes.slice(12) };
}

/** The IPv4-mapped IPv6 form of an IPv4 address. */
function mapped(address: IpAddress): IpAddress {
  const bytes = new Uint8Array(16);
  bytes.set(ipv4MappedPrefix);
  bytes.set(address.bytes, 12);
  return { version: 6, bytes };
}

/** The canonical text of an address: dotted IPv4, or RFC 5952 IPv6 (lower case, longest zero run as `::`). */
export function formatIp(address: IpAddress): string {
  if (address.version === 4) return [...address.bytes].join('.');
  const groups = Array.from(
    { length: 8 },
    (_, i) => (address.bytes[2 * i]! << 8) | address.bytes[2 * i + 1]!,
  );
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (list: number[]): string => list.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** The mask of one byte whose first `bits` bits (clamped to 0–8) are set. */
function byteMask(bits: number): number {
  const n = Math.max(0, Math.min(8, bits));
  return (0xff << (8 - n)) & 0xff;
}

/** Whether the first `prefix` bits of `a` and `b` are equal. */
function samePrefix(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i += 1) if (a[i] !== b[i]) return false;
  const mask = byteMask(prefix & 7);
  return mask === 0 || (a[whole]! & mask) === (b[whole]! & mask);
}

/**
 * Parses one whitelist entry (`203.0.113.7`, `10.0.0.0/8`, `2001:db8::/32`) into its rule and
 * canonical text, or returns a sentence saying what is wrong. Refused: anything that is not
 * exactly an address with an optional decimal prefix length in range, a range with host bits set
 * (`10.0.0.1/8` is ambiguous: the user probably meant one address), and `/0`, which would allow
 * every address and so be no whitelist at all. IPv4-mapped IPv6 entries become IPv4 entries.
 */
export function parseIpRule(text: string): { rule: IpRule; canonical: string } | { error: string } {
  const slash = text.indexOf('/');
  const address = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!address) return { error: `"${text}" is not an IPv4 or IPv6 address or CIDR range` };
  const bits = address.bytes.length * 8;
  let prefix = bits;
  if (slash >= 0) {
    const digits = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(digits) || Number(digits) > bits)
      return { error: `"${text}": the prefix length must be a number from 1 to ${bits}` };
    prefix = Number(digits);
  }
  const network = address.bytes.map((byte, i) => byte & byteMask(prefix - 8 * i));
  if (!samePrefix(network, address.bytes, bits)) {
    const suggestion = `${formatIp({ version: address.version, bytes: network })}/${prefix}`;
    return { error: `"${text}" has host bits set; did you mean ${suggestion}?` };
  }
  const v4 = prefix >= 96 ? unmapped(address) : null;
  const rule: IpRule = v4
    ? { version: 4, bytes: v4.bytes, prefix: prefix - 96 }
    : { version: address.version, bytes: network, prefix };
  if (rule.prefix === 0) return { error: `"${text}" would allow every address; list the addresses to allow` };
  const host = formatIp(rule);
  return { rule, canonical: rule.prefix === rule.bytes.length * 8 ? host : `${host}/${rule.prefix}` };
}

/** Whether a client address lies in one of the rules. An unparsable address matches nothing. */
export function ipAllowed(rules: readonly IpRule[], ip: string): boolean {
  // A link-local client may come with its zone; the rules never carry one.
  const address = parseIp(ip.split('%')[0] ?? '');
  if (!address) return false;
  const v4 = address.version === 4 ? address : unmapped(address);
  const forms = v4 ? [v4, mapped(v4)] : [address];
  return rules.some((rule) =>
    forms.some((form) => form.version === rule.version && samePrefix(form.bytes, rule.bytes, rule.prefix)),
  );
}
