/** CIDR checks for the public-endpoint policy: which requested ranges stay inside the allowed ones. */

export const OPEN_TO_WORLD = ['0.0.0.0/0', '::/0'];

function ipv4Range(cidr: string): { start: number; size: number } | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((octet) => octet > 255) || bits > 32) return undefined;
  const address = octets.reduce((value, octet) => value * 256 + octet, 0);
  const size = 2 ** (32 - bits);
  return { start: Math.floor(address / size) * size, size };
}

/** True when `cidr` lies entirely inside one of `allowed`. IPv6 ranges must match exactly. */
export function cidrWithin(cidr: string, allowed: string[]): boolean {
  const range = ipv4Range(cidr);
  return allowed.some((candidate) => {
    if (candidate.trim() === cidr.trim()) return true;
    const outer = ipv4Range(candidate);
    return Boolean(range && outer && range.start >= outer.start && range.start + range.size <= outer.start + outer.size);
  });
}
