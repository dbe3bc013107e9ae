import type { z } from 'zod';
import { BadInputError } from '../errors';

/** Parse with a schema; the first problem becomes a one-line BadInputError naming the field. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  throw new BadInputError(`${what}: ${where}${issue.message}`);
}

/**
 * `aws guardduty get-findings` and the SDK return PascalCase keys where EventBridge delivers
 * camelCase; lower-casing the first letter of every key makes the two shapes one.
 */
export function camelizeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelizeKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key.charAt(0).toLowerCase() + key.slice(1), camelizeKeys(inner)]),
    );
  }
  return value;
}
