import { isIPv6 } from 'node:net';

/** Hextets of an IPv6 address that name its network: a /64, what one subscriber or host usually holds. */
const IPV6_NETWORK_HEXTETS = 4;
const IPV6_HEXTETS = 8;
const IPV4_MAPPED_PREFIX = '::ffff:';

/**
 * The key per-address limits count under: an IPv4 address as it is (an IPv4-mapped IPv6 address as
 * its IPv4 form), an IPv6 address by its /64, since one host may pick any address of its /64 at
 * will. Pure.
 */
export function addressLimitKey(address: string): string {
  const lower = address.toLowerCase();
  if (lower.startsWith(IPV4_MAPPED_PREFIX) && !isIPv6(lower.slice(IPV4_MAPPED_PREFIX.length)))
    return lower.slice(IPV4_MAPPED_PREFIX.length);
  if (!isIPv6(lower)) return lower;
  return `${expandIPv6(lower).slice(0, IPV6_NETWORK_HEXTETS).join(':')}::/64`;
}

/** The eight hextets of a valid IPv6 address, without leading zeros; an embedded IPv4 part counts as two. */
function expandIPv6(address: string): string[] {
  const withoutZone = address.split('%', 1)[0] ?? address;
  const [head = '', tail] = withoutZone.split('::');
  const part = (text: string): string[] => (text === '' ? [] : text.split(':').flatMap(hextets));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const zeros = Array.from({ length: IPV6_HEXTETS - left.length - right.length }, () => '0');
  return [...left, ...zeros, ...right].map((hextet) => hextet.replace(/^0+(?=.)/, ''));
}

/** One group of an IPv6 address: a hextet, or a dotted IPv4 tail as two hextets. */
function hextets(group: string): string[] {
  if (!group.includes('.')) return [group];
  const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
