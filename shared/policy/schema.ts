import picomatch from 'picomatch';
// A namespace import: the bundle keeps only the parts of zod in use (`{ z }` keeps all of it).
import * as z from 'zod';
import { MODES, type Decision, type Mode, type SourceName } from '../model';

/**
 * The response policy file (YAML), as a schema. Every object is strict, so a misspelt key is an
 * error naming it instead of a silently ignored setting. The shipped example is
 * `shared/policy/default-policy.yaml`; its comments document every key.
 */

const SOURCES = ['guardduty', 'securityhub', 'cloudtrail', 'manual'] as const satisfies readonly SourceName[];
const DECISIONS = ['respond', 'notify', 'ignore'] as const satisfies readonly Decision[];

/** One value or a list of them; always a list after parsing. */
const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]).transform((value) => (Array.isArray(value) ? value : [value]) as z.infer<T>[]);

const glob = z
  .string()
  .min(1)
  .refine((pattern) => {
    try {
      picomatch.makeRe(pattern);
      return true;
    } catch {
      return false;
    }
  }, 'a valid glob pattern');

const labelValues = oneOrMany(z.string());

/** `key: value`, `key: [value, …]`, or `key: "*"` for "the label is present, whatever its value". */
const labelMatch = z.record(z.string().min(1), labelValues);

const severityRange = z
  .strictObject({
    min: z.number().min(0).max(10).optional(),
    max: z.number().min(0).max(10).optional(),
    below: z.number().min(0).max(10).optional(),
  })
  .refine((range) => !(range.max !== undefined && range.below !== undefined), { message: 'give max or below, not both' })
  .refine((range) => range.min === undefined || range.min <= (range.max ?? range.below ?? 10), { message: 'min is above the upper bound' })
  .refine((range) => Object.keys(range).length > 0, { message: 'give at least one of min, max, below' });

const matchSchema = z.strictObject({
  source: oneOrMany(z.enum(SOURCES)).optional(),
  findingType: oneOrMany(glob).optional(),
  severity: severityRange.optional(),
  cluster: z
    .strictObject({
      name: oneOrMany(glob).optional(),
      tags: z.record(z.string().min(1), labelValues).optional(),
    })
    .optional(),
  account: oneOrMany(z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id')).optional(),
  namespace: oneOrMany(glob).optional(),
  workloadLabels: labelMatch.optional(),
});

export type RuleMatch = z.infer<typeof matchSchema>;

/**
 * What a rule does. The action names are checked against the playbook registry when the file
 * is loaded (see `load.ts`), so this module does not depend on the playbooks.
 */
const outcome = {
  decision: z.enum(DECISIONS),
  playbook: z.string().min(1).default('quarantine'),
  mode: z.enum(MODES as [Mode, ...Mode[]]).optional(),
  skipActions: z.array(z.string().min(1)).default([]),
};

const ruleSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a kebab-case name (lower-case letters, digits, -)'),
  description: z.string().optional(),
  match: matchSchema.default({}),
  ...outcome,
});

const defaultRuleSchema = z.strictObject({ description: z.string().optional(), ...outcome });

const protectedSchema = z
  .strictObject({
    namespaces: z.array(glob).default([]),
    workloadLabels: labelMatch.default({}),
    nodeLabels: labelMatch.default({}),
  })
  .default({ namespaces: [], workloadLabels: {}, nodeLabels: {} });

/** `30m`, `1h`, `24h`, `7d`, in milliseconds. */
const duration = z
  .string()
  .regex(/^[1-9]\d*[mhd]$/, 'a duration such as 30m, 1h or 1d')
  .transform((text) => Number(text.slice(0, -1)) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[text.slice(-1) as 'm' | 'h' | 'd']);

/** Safe defaults: a runaway (a DaemonSet finding, a flood of findings) stops well before it hurts the cluster. */
export const DEFAULT_LIMITS = {
  window: '1h',
  podsIsolated: 20,
  nodesCordoned: 3,
  nodesCordonedFraction: 0.5,
  minSchedulableNodes: 1,
  roleRevocations: 3,
} as const;

const count = z.number().int().min(0);

const limitsSchema = z
  .strictObject({
    window: duration.prefault(DEFAULT_LIMITS.window),
    podsIsolated: count.default(DEFAULT_LIMITS.podsIsolated),
    nodesCordoned: count.default(DEFAULT_LIMITS.nodesCordoned),
    nodesCordonedFraction: z.number().min(0).max(1).default(DEFAULT_LIMITS.nodesCordonedFraction),
    minSchedulableNodes: count.default(DEFAULT_LIMITS.minSchedulableNodes),
    roleRevocations: count.default(DEFAULT_LIMITS.roleRevocations),
  })
  .prefault({});

export const policySchema = z
  .strictObject({
    version: z.literal(1),
    protected: protectedSchema,
    limits: limitsSchema,
    rules: z.array(ruleSchema).default([]),
    default: defaultRuleSchema,
  })
  .superRefine((policy, context) => {
    const seen = new Set<string>();
    policy.rules.forEach((rule, index) => {
      if (seen.has(rule.name)) context.addIssue({ code: 'custom', path: ['rules', index, 'name'], message: `duplicate rule name "${rule.name}"` });
      seen.add(rule.name);
    });
  });

export type ResponsePolicy = z.infer<typeof policySchema>;
export type PolicyRule = ResponsePolicy['rules'][number];
export type DefaultRule = ResponsePolicy['default'];
export type ProtectedScopes = ResponsePolicy['protected'];
export type BlastRadiusLimits = ResponsePolicy['limits'];
export type LabelMatch = z.infer<typeof labelMatch>;
