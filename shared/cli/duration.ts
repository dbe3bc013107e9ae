import { BadInputError } from '../errors';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30m`, `24h`, `7d` → milliseconds; anything else is bad input naming the option. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+)([mhd])$/.exec(text.trim());
  if (!match || Number(match[1]) === 0) throw new BadInputError(`${option} "${text}": expected a duration such as 30m, 24h or 7d`);
  return Number(match[1]) * UNITS[match[2]];
}
