import { createHash } from 'node:crypto';
// A namespace import: the bundle keeps only the parts of zod in use (`{ z }` keeps all of it).
import * as z from 'zod';
import type { Finding, WorkloadRef } from '../model';
import { parseWith } from './parse';

/**
 * GuardDuty findings as EventBridge delivers them (`detail`), or as GetFindings returns them
 * once camelized. Only the fields the responder uses are checked; the rest pass through.
 * Built on first parse (`z.lazy`), not at import: building zod schemas is most of module init,
 * and a function builds only the schemas of the events it receives.
 */
const nullish = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? undefined);

export const guardDutyFindingSchema = z.lazy(() => {
  const containerSchema = z.looseObject({ name: nullish(z.string()), image: nullish(z.string()) });

  // Some producers send partial workload details (only a namespace): tolerated, then ignored.
  const workloadSchema = z.looseObject({
    name: nullish(z.string()),
    type: nullish(z.string()),
    namespace: nullish(z.string()),
    uid: nullish(z.string()),
    serviceAccountName: nullish(z.string()),
    containers: nullish(z.array(containerSchema)),
  });

  const apiCallSchema = z.looseObject({
    verb: nullish(z.string()),
    requestUri: nullish(z.string()),
    resource: nullish(z.string()),
    resourceName: nullish(z.string()),
    namespace: nullish(z.string()),
  });

  const userSchema = z.looseObject({
    username: z.string().min(1),
    groups: nullish(z.array(z.string())),
  });

  return z.looseObject({
    id: z.string().min(1),
    arn: nullish(z.string()),
    type: z.string().min(1),
    accountId: z.string().min(1),
    region: z.string().min(1),
    severity: z.number().min(0).max(10),
    title: nullish(z.string()),
    createdAt: nullish(z.union([z.string(), z.number()])),
    resource: z.looseObject({
      resourceType: z.string().min(1),
      eksClusterDetails: nullish(z.looseObject({ name: z.string().min(1), arn: nullish(z.string()) })),
      kubernetesDetails: nullish(
        z.looseObject({
          kubernetesWorkloadDetails: nullish(workloadSchema),
          kubernetesUserDetails: nullish(userSchema),
        }),
      ),
      instanceDetails: nullish(z.looseObject({ instanceId: nullish(z.string()) })),
    }),
    service: nullish(
      z.looseObject({
        additionalInfo: nullish(z.unknown()),
        action: nullish(z.looseObject({ kubernetesApiCallAction: nullish(apiCallSchema) })),
      }),
    ),
  });
});

export type GuardDutyFinding = z.infer<typeof guardDutyFindingSchema>;

export const guardDutyEventSchema = z.lazy(() =>
  z.looseObject({
    source: z.literal('aws.guardduty'),
    'detail-type': z.literal('GuardDuty Finding'),
    detail: z.unknown(),
  }),
);

/** Sample findings say so in `additionalInfo`, either directly or, since late 2022, as a JSON string in `value`. */
function isSampleFinding(additionalInfo: unknown): boolean {
  if (!additionalInfo || typeof additionalInfo !== 'object') return false;
  const info = additionalInfo as Record<string, unknown>;
  if (info.sample === true) return true;
  if (typeof info.value === 'string') {
    try {
      return (JSON.parse(info.value) as Record<string, unknown>)?.sample === true;
    } catch {
      return false;
    }
  }
  return false;
}

function toIsoTime(value: string | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function normalizeGuardDutyFinding(detail: unknown): Finding {
  const finding = parseWith(guardDutyFindingSchema, detail, 'GuardDuty finding');
  const { resource } = finding;
  const workloadDetails = resource.kubernetesDetails?.kubernetesWorkloadDetails;
  const user = resource.kubernetesDetails?.kubernetesUserDetails;
  const workload: WorkloadRef | undefined =
    workloadDetails?.name && workloadDetails.type
      ? { kind: workloadDetails.type, name: workloadDetails.name, namespace: workloadDetails.namespace, uid: workloadDetails.uid, ...(workloadDetails.serviceAccountName ? { serviceAccount: workloadDetails.serviceAccountName } : {}) }
    : undefined;
  const apiCall = finding.service?.action?.kubernetesApiCallAction;
  const isEks = Boolean(resource.eksClusterDetails) || resource.resourceType === 'EKSCluster';
  return {
    source: 'guardduty',
    findingId: finding.id,
    findingArn: finding.arn,
    incidentKey: guardDutyIncidentKey(finding.id),
    type: finding.type,
    title: finding.title ?? finding.type,
    severity: finding.severity,
    account: finding.accountId,
    region: finding.region,
    createdAt: toIsoTime(finding.createdAt),
    sample: isSampleFinding(finding.service?.additionalInfo),
    cluster: resource.eksClusterDetails ? { name: resource.eksClusterDetails.name, arn: resource.eksClusterDetails.arn } : undefined,
    workload,
    kubernetesUser: user ? { username: user.username, groups: user.groups ?? [] } : undefined,
    instanceId: resource.instanceDetails?.instanceId,
    images: (workloadDetails?.containers ?? []).map((container) => container.image).filter((image): image is string => Boolean(image)),
    product: 'GuardDuty',
    securityHubFinding: securityHubCopyOf(finding.arn),
    kubernetesApiCall: apiCall && {
      verb: apiCall.verb,
      requestUri: apiCall.requestUri,
      resource: apiCall.resource,
      resourceName: apiCall.resourceName,
      namespace: apiCall.namespace,
    },
    notEksReason: isEks
      ? resource.eksClusterDetails
        ? undefined
        : 'the finding names no EKS cluster'
      : `resource type ${resource.resourceType} is not an EKS cluster`,
  };
}

/**
 * Every copy of a GuardDuty finding (direct, via Security Hub, via an aggregator) carries the
 * same GuardDuty finding id, so that id is the incident key.
 */
export function guardDutyIncidentKey(findingId: string): string {
  return `guardduty:${findingId}`;
}

/**
 * GuardDuty sends every finding to Security Hub, which keeps GuardDuty's product ARN (in the
 * finding's region) and the GuardDuty finding ARN as the ASFF id: that identifies the copy.
 */
export function securityHubCopyOf(guardDutyArn: string | undefined): Finding['securityHubFinding'] {
  const match = guardDutyArn ? /^arn:([^:]+):guardduty:([^:]+):[^:]*:detector\/[^/]+\/finding\/[^/]+$/.exec(guardDutyArn) : null;
  if (!guardDutyArn || !match) return undefined;
  return { id: guardDutyArn, productArn: `arn:${match[1]}:securityhub:${match[2]}::product/aws/guardduty`, origin: 'copy' };
}

export function incidentIdFor(incidentKey: string): string {
  // Short enough for a label value, stable across re-deliveries of the same finding.
  return `inc-${createHash('sha256').update(incidentKey).digest('hex').slice(0, 16)}`;
}
