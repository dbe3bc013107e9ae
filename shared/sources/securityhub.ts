// A namespace import: the bundle keeps only the parts of zod in use (`{ z }` keeps all of it).
import * as z from 'zod';
import { BadInputError } from '../errors';
import type { Finding, KubernetesApiCall, WorkloadRef } from '../model';
import { guardDutyIncidentKey } from './guardduty';
import { parseWith } from './parse';

/**
 * Security Hub findings (ASFF) as EventBridge delivers them in `Security Hub Findings -
 * Imported` and `Security Hub Findings - Custom Action` events. Only the fields the responder
 * uses are checked; the rest pass through. Built on first parse (`z.lazy`), not at import:
 * only the Security Hub function and the CLI ever build them.
 */
const nullish = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? undefined);

export const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
type SeverityLabel = (typeof SEVERITY_LABELS)[number];

export const asffFindingSchema = z.lazy(() => {
  const severitySchema = z.looseObject({
    Label: nullish(z.enum(SEVERITY_LABELS)),
    Normalized: nullish(z.number().min(0).max(100)),
  });

  // ASFF says ProductFields and Details.Other hold strings; producers are not always strict.
  const stringMap = nullish(z.record(z.string(), z.unknown()));

  const resourceSchema = z.looseObject({
    Type: z.string().min(1),
    Id: z.string().min(1),
    Region: nullish(z.string()),
    Details: nullish(
      z.looseObject({
        Other: stringMap,
        AwsEksCluster: nullish(z.looseObject({ Name: nullish(z.string()), Arn: nullish(z.string()) })),
      }),
    ),
  });

  return z.looseObject({
    Id: z.string().min(1),
    ProductArn: z.string().min(1),
    ProductName: nullish(z.string()),
    GeneratorId: nullish(z.string()),
    AwsAccountId: z.string().min(1),
    Region: nullish(z.string()),
    Types: nullish(z.array(z.string())),
    Title: nullish(z.string()),
    CreatedAt: nullish(z.string()),
    Severity: nullish(severitySchema),
    FindingProviderFields: nullish(z.looseObject({ Severity: nullish(severitySchema) })),
    ProductFields: stringMap,
    Resources: z.array(resourceSchema).min(1),
    RecordState: nullish(z.string()),
    Workflow: nullish(z.looseObject({ Status: nullish(z.string()) })),
    WorkflowState: nullish(z.string()),
    Sample: nullish(z.boolean()),
  });
});

export type AsffFinding = z.infer<typeof asffFindingSchema>;

export const SECURITY_HUB_IMPORTED = 'Security Hub Findings - Imported';
export const SECURITY_HUB_CUSTOM_ACTION = 'Security Hub Findings - Custom Action';

export const securityHubEventSchema = z.lazy(() =>
  z.looseObject({
    source: z.literal('aws.securityhub'),
    'detail-type': z.enum([SECURITY_HUB_IMPORTED, SECURITY_HUB_CUSTOM_ACTION]),
    region: nullish(z.string()),
    resources: nullish(z.array(z.string())),
    detail: z.looseObject({
      findings: z.array(z.unknown()).min(1, 'expected at least one finding'),
      actionName: nullish(z.string()),
    }),
  }),
);

/** Where Security Hub itself puts a label-only severity on its 0–100 scale (ASFF `Severity.Normalized`). */
const LABEL_FLOOR: Record<SeverityLabel, number> = { INFORMATIONAL: 0, LOW: 1, MEDIUM: 40, HIGH: 70, CRITICAL: 90 };

function labelOf(normalized: number): SeverityLabel {
  if (normalized >= 90) return 'CRITICAL';
  if (normalized >= 70) return 'HIGH';
  if (normalized >= 40) return 'MEDIUM';
  if (normalized >= 1) return 'LOW';
  return 'INFORMATIONAL';
}

/**
 * ASFF severity on GuardDuty's 0–10 scale. Security Hub's bands (Low 1–39, Medium 40–69,
 * High 70–89, Critical 90–100) are GuardDuty's times ten, so Normalized/10 keeps the band and,
 * for GuardDuty's own copies, the exact severity. `Label` is the preferred field: when the two
 * disagree (someone relabelled the finding), the label wins at the bottom of its band.
 */
export function asffSeverity(severity: { Label?: SeverityLabel; Normalized?: number } | undefined): number | undefined {
  if (!severity) return undefined;
  const { Label: label, Normalized: normalized } = severity;
  if (normalized !== undefined && (label === undefined || labelOf(normalized) === label)) return normalized / 10;
  return label === undefined ? undefined : LABEL_FLOOR[label] / 10;
}

const GUARDDUTY_FINDING_ARN = /^arn:[^:]+:guardduty:[^:]*:[^:]*:detector\/[^/]+\/finding\/([^/]+)$/;
const CLUSTER_ARN = /^arn:[^:]+:eks:([^:]*):[^:]*:cluster\/([^/]+)$/;
const GUARDDUTY_PREFIX = 'aws/guardduty/service/';
const WORKLOAD_PREFIX = 'kubernetesDetails/kubernetesWorkloadDetails/';
const USER_PREFIX = 'kubernetesDetails/kubernetesUserDetails/';
const API_CALL_PREFIX = `${GUARDDUTY_PREFIX}action/kubernetesApiCallAction/`;

/** The GuardDuty finding id behind an ASFF finding, when GuardDuty produced it. */
export function guardDutyIdOf(finding: AsffFinding): string | undefined {
  const fromId = GUARDDUTY_FINDING_ARN.exec(finding.Id)?.[1];
  if (fromId) return fromId;
  // Security Hub's own id is `<product ARN>/<GuardDuty finding ARN>`.
  const securityHubId = String(finding.ProductFields?.['aws/securityhub/FindingId'] ?? '');
  return /:guardduty:[^:]*:[^:]*:detector\/[^/]+\/finding\/([^/]+)$/.exec(securityHubId)?.[1];
}

/** GuardDuty writes its type into ASFF `Types` with the slash as a dash: `TTPs/Discovery/Discovery:Kubernetes-MaliciousIPCaller`. */
function guardDutyTypeOf(types: string[]): string | undefined {
  for (const type of types) {
    const classifier = type.split('/').pop() ?? '';
    const match = /^([A-Za-z]+):([A-Za-z0-9]+)-(.+)$/.exec(classifier);
    if (match) return `${match[1]}:${match[2]}/${match[3]}`;
  }
  return undefined;
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const result = String(value).trim();
  return result === '' ? undefined : result;
}

/** `Details.Other` of every resource, merged: GuardDuty puts the Kubernetes details on the cluster resource. */
function otherDetails(finding: AsffFinding): Record<string, unknown> {
  return Object.assign({}, ...finding.Resources.map((resource) => resource.Details?.Other ?? {}));
}

function clusterOf(finding: AsffFinding): { name: string; arn?: string; region?: string } | undefined {
  for (const resource of finding.Resources) {
    const fromArn = CLUSTER_ARN.exec(resource.Id);
    if (resource.Type !== 'AwsEksCluster' && !fromArn) continue;
    const details = resource.Details?.AwsEksCluster;
    const name = text(details?.Name) ?? fromArn?.[2];
    const arn = text(details?.Arn) ?? (fromArn ? resource.Id : undefined);
    if (name) return { name, arn, region: (arn && CLUSTER_ARN.exec(arn)?.[1]) || resource.Region };
  }
  return undefined;
}

function workloadOf(other: Record<string, unknown>): WorkloadRef | undefined {
  const field = (name: string) => text(other[`${WORKLOAD_PREFIX}${name}`]);
  const name = field('name');
  const kind = field('type');
  return name && kind ? { kind, name, namespace: field('namespace'), uid: field('uid') } : undefined;
}

function indexed(other: Record<string, unknown>, pattern: RegExp): string[] {
  return Object.entries(other)
    .filter(([key]) => pattern.test(key))
    .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
    .map(([, value]) => text(value))
    .filter((value): value is string => Boolean(value));
}

function apiCallOf(productFields: Record<string, unknown>): KubernetesApiCall | undefined {
  const field = (name: string) => text(productFields[`${API_CALL_PREFIX}${name}`]);
  const call = { verb: field('verb'), requestUri: field('requestUri'), resource: field('resource'), resourceName: field('resourceName'), namespace: field('namespace') };
  return Object.values(call).some(Boolean) ? call : undefined;
}

function isSample(finding: AsffFinding, productFields: Record<string, unknown>): boolean {
  if (finding.Sample === true || text(productFields[`${GUARDDUTY_PREFIX}additionalInfo/sample`]) === 'true') return true;
  try {
    return JSON.parse(String(productFields[`${GUARDDUTY_PREFIX}additionalInfo/value`] ?? '{}'))?.sample === true;
  } catch {
    return false;
  }
}

function inactiveReasonOf(finding: AsffFinding): string | undefined {
  if (finding.RecordState && finding.RecordState !== 'ACTIVE') return `record state is ${finding.RecordState}`;
  const workflow = finding.Workflow?.Status ?? finding.WorkflowState;
  if (workflow === 'SUPPRESSED' || workflow === 'RESOLVED') return `workflow status is ${workflow}`;
  return undefined;
}

export function normalizeAsffFinding(value: unknown, what = 'Security Hub finding', fallbackRegion?: string): Finding {
  const finding = parseWith(asffFindingSchema, value, what);
  const severity = asffSeverity(finding.Severity) ?? asffSeverity(finding.FindingProviderFields?.Severity);
  if (severity === undefined) throw new BadInputError(`${what}: Severity: expected Label or Normalized`);
  const productFields = finding.ProductFields ?? {};
  const other = otherDetails(finding);
  const cluster = clusterOf(finding);
  const guardDutyId = guardDutyIdOf(finding);
  const user = text(other[`${USER_PREFIX}username`]);
  const aboutKubernetes = Object.keys(other).some((key) => key.startsWith('kubernetesDetails/'));
  const type = guardDutyTypeOf(finding.Types ?? []) ?? finding.GeneratorId ?? finding.Types?.[0] ?? 'Security Hub finding';
  const resourceTypes = [...new Set(finding.Resources.map((resource) => resource.Type))].join(', ');
  return {
    source: 'securityhub',
    findingId: finding.Id,
    findingArn: finding.Id.startsWith('arn:') ? finding.Id : undefined,
    incidentKey: guardDutyId ? guardDutyIncidentKey(guardDutyId) : `securityhub:${finding.Id}`,
    type,
    title: finding.Title ?? type,
    severity,
    account: finding.AwsAccountId,
    region: finding.Region ?? cluster?.region ?? finding.Resources[0].Region ?? fallbackRegion ?? 'unknown',
    createdAt: finding.CreatedAt,
    sample: isSample(finding, productFields),
    cluster: cluster && { name: cluster.name, arn: cluster.arn },
    workload: workloadOf(other),
    kubernetesUser: user ? { username: user, groups: indexed(other, /^kubernetesDetails\/kubernetesUserDetails\/groups\.\d+_$/) } : undefined,
    images: indexed(other, /^kubernetesDetails\/kubernetesWorkloadDetails\/containers\.\d+_\/image$/),
    notEksReason: cluster ? undefined : aboutKubernetes ? 'the finding names no EKS cluster' : `resource type ${resourceTypes} is not an EKS cluster`,
    inactiveReason: inactiveReasonOf(finding),
    product: finding.ProductName ?? text(productFields['aws/securityhub/ProductName']),
    securityHubFinding: { id: finding.Id, productArn: finding.ProductArn, origin: 'own' },
    kubernetesApiCall: apiCallOf(productFields),
  };
}

/** Every finding of an Imported or Custom Action event; a custom action marks each as chosen by a person. */
export function normalizeSecurityHubEvent(event: unknown): Finding[] {
  const parsed = parseWith(securityHubEventSchema, event, 'Security Hub event');
  const { findings, actionName } = parsed.detail;
  const customAction = parsed['detail-type'] === SECURITY_HUB_CUSTOM_ACTION ? { name: actionName ?? 'custom action', arn: parsed.resources?.[0] } : undefined;
  return findings.map((value, index) => {
    const finding = normalizeAsffFinding(value, findings.length > 1 ? `Security Hub finding ${index + 1}` : 'Security Hub finding', parsed.region);
    return customAction ? { ...finding, customAction } : finding;
  });
}
