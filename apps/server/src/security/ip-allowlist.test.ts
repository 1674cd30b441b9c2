import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIp, ipAllowed, parseIp, parseIpRule, type IpRule } from './ip-allowlist.ts';

function rules(...entries: string[]): IpRule[] {
  return entries.map((entry) => {
    const parsed = parseIpRule(entry);
    if ('error' in parsed) throw new Error(parsed.error);
    return parsed.rule;
  });
}

function canonical(entry: string): string {
  const parsed = parseIpRule(entry);
  return 'error' in parsed ? `error: ${parsed.error}` : parsed.canonical;
}

/** The first `prefix` bits of the bytes as a string of 0s and 1s: the obvious reference. */
function bitString(bytes: Uint8Array, prefix: number): string {
  return [...bytes]
    .map((b) => b.toString(2).padStart(8, '0'))
    .join('')
    .slice(0, prefix);
}

const ipv4Bytes = fc.uint8Array({ minLength: 4, maxLength: 4 });
const ipv6Bytes = fc.uint8Array({ minLength: 16, maxLength: 16 });

describe('IP whitelist entries', () => {
  it('accepts single addresses and CIDR ranges, in canonical form', () => {
    expect(canonical('203.0.113.7')).toBe('203.0.113.7');
    expect(canonical('10.0.0.0/8')).toBe('10.0.0.0/8');
    expect(canonical('203.0.113.7/32')).toBe('203.0.113.7');
    expect(canonical('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonical('2001:db8::/32')).toBe('2001:db8::/32');
    expect(canonical('::1')).toBe('::1');
    // IPv4-mapped entries are IPv4 entries.
    expect(canonical('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(canonical('::ffff:c000:200/120')).toBe('192.0.2.0/24');
  });

  it.each([
    ['', 'not an IPv4'],
    ['1.2.3', 'not an IPv4'],
    ['1.2.3.256', 'not an IPv4'],
    ['010.0.0.1', 'not an IPv4'],
    ['1.2.3.4 ', 'not an IPv4'],
    ['fe80::1%eth0', 'not an IPv4'],
    ['1:2:3:4:5:6:7:8:9', 'not an IPv4'],
    ['example.com', 'not an IPv4'],
    ['1.2.3.4/', 'prefix length'],
    ['1.2.3.4/33', 'prefix length'],
    ['1.2.3.4/08', 'prefix length'],
    ['1.2.3.4/+8', 'prefix length'],
    ['1.2.3.4/8/8', 'prefix length'],
    ['::/129', 'prefix length'],
    ['10.0.0.1/8', 'did you mean 10.0.0.0/8'],
    ['2001:db8::1/32', 'did you mean 2001:db8::/32'],
    ['0.0.0.0/0', 'every address'],
    ['::/0', 'every address'],
    ['::ffff:0.0.0.0/96', 'every address'],
  ])('refuses %j', (entry, why) => {
    expect(canonical(entry)).toContain(why);
  });

  it('parses exactly what node:net calls an address (zones aside)', () => {
    const text = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.'), maxLength: 45 });
    const valid = fc.oneof(
      ipv6Bytes.map((b) => formatIp({ version: 6, bytes: b })),
      ipv4Bytes.map((b) => `::ffff:${[...b].join('.')}`),
      ipv4Bytes.map((b) => [...b].join('.')),
    );
    fc.assert(
      fc.property(fc.oneof(text, valid), (candidate) => {
        expect(parseIp(candidate) !== null, candidate).toBe(isIP(candidate) !== 0);
      }),
      { numRuns: 3000 },
    );
  });

  it('formats IPv6 as the URL standard does, and parses its own output back', () => {
    fc.assert(
      fc.property(ipv6Bytes, (bytes) => {
        const text = formatIp({ version: 6, bytes });
        expect(parseIp(text)?.bytes).toEqual(bytes);
        // WHATWG serialises IPv6 hosts as RFC 5952 does, except it never writes dotted IPv4 tails.
        expect(text).toBe(new URL(`http://[${text}]/`).hostname.slice(1, -1));
      }),
    );
  });
});

describe('matching a client address', () => {
  it('matches single addresses and ranges, IPv4-mapped clients as IPv4', () => {
    const list = rules('127.0.0.0/8', '203.0.113.7', '2001:db8::/32');
    expect(ipAllowed(list, '127.0.0.1')).toBe(true);
    expect(ipAllowed(list, '127.255.255.254')).toBe(true);
    expect(ipAllowed(list, '::ffff:127.0.0.1')).toBe(true);
    expect(ipAllowed(list, '203.0.113.7')).toBe(true);
    expect(ipAllowed(list, '203.0.113.8')).toBe(false);
    expect(ipAllowed(list, '2001:db8:ffff::1')).toBe(true);
    expect(ipAllowed(list, '2001:db9::1')).toBe(false);
    expect(ipAllowed(list, '::1')).toBe(false);
    expect(ipAllowed(list, 'not an ip')).toBe(false);
    expect(ipAllowed(rules('::1'), '::1')).toBe(true);
    expect(ipAllowed(rules('::ffff:10.1.2.3'), '10.1.2.3')).toBe(true);
    expect(ipAllowed([], '127.0.0.1')).toBe(false);
  });

  it('a range matches exactly the addresses sharing its prefix (against a bit-string reference)', () => {
    const v4 = fc.tuple(ipv4Bytes, ipv4Bytes, fc.integer({ min: 1, max: 32 }));
    const v6 = fc.tuple(ipv6Bytes, ipv6Bytes, fc.integer({ min: 1, max: 128 }));
    fc.assert(
      fc.property(fc.oneof(v4, v6), ([networkSeed, client, prefix]) => {
        const version = networkSeed.length === 4 ? 4 : 6;
        // Start from a random address and clear its host bits, so the entry is a valid range.
        const bits = bitString(networkSeed, prefix).padEnd(networkSeed.length * 8, '0');
        const network = Uint8Array.from({ length: networkSeed.length }, (_, i) =>
          parseInt(bits.slice(8 * i, 8 * i + 8), 2),
        );
        const entry = `${formatIp({ version, bytes: network })}/${prefix}`;
        const parsed = parseIpRule(entry);
        if ('error' in parsed) {
          // Only an IPv6 range inside ::ffff:0:0/96 that widens to every IPv4 address is refused.
          expect(parsed.error).toContain('every address');
          return;
        }
        const clientText = formatIp({ version, bytes: client });
        const expected = bitString(client, prefix) === bitString(network, prefix);
        expect(ipAllowed([parsed.rule], clientText), `${entry} vs ${clientText}`).toBe(expected);
        // The network address itself is always inside its range.
        expect(ipAllowed([parsed.rule], formatIp({ version, bytes: network }))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('an IPv4 client matches the same rules in its plain and IPv4-mapped forms', () => {
    fc.assert(
      fc.property(ipv4Bytes, ipv4Bytes, fc.integer({ min: 1, max: 32 }), (client, other, prefix) => {
        const plain = [...client].join('.');
        const network = `${[...other].join('.')}/32`;
        for (const list of [rules(`${plain}/32`), rules(network), rules(`::ffff:${plain}`)]) {
          expect(ipAllowed(list, `::ffff:${plain}`)).toBe(ipAllowed(list, plain));
        }
        const range = parseIpRule(`${plain}/${prefix}`);
        if (!('error' in range)) expect(ipAllowed([range.rule], `::ffff:${plain}`)).toBe(true);
      }),
    );
  });
});
