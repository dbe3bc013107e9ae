import type { KubernetesPort, ManifestKind } from '../../adapters/ports';
import { selectorMatches } from '../../correlation/labels';
import { EVIDENCE_ANNOTATION } from '../../markers';
import type { PodTarget } from '../../model';
import type { Action, ActionContext } from '../action';
import type { ActionRelease } from '../action-release';
import { writeBundle, type EvidenceItem } from './evidence-bundle';
import { requireKube } from './require-kube';

/** Owner kinds collected, with the API path of their collection. */
const OWNER_PATHS: Record<string, string> = {
  ReplicaSet: 'apps/v1/namespaces/%s/replicasets',
  Deployment: 'apps/v1/namespaces/%s/deployments',
  DaemonSet: 'apps/v1/namespaces/%s/daemonsets',
  StatefulSet: 'apps/v1/namespaces/%s/statefulsets',
  Job: 'batch/v1/namespaces/%s/jobs',
  CronJob: 'batch/v1/namespaces/%s/cronjobs',
};

interface PodManifest {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { nodeName?: string; containers?: { name: string }[]; initContainers?: { name: string }[]; ephemeralContainers?: { name: string }[] };
}

interface NetworkPolicyList {
  items?: { spec?: { podSelector?: { matchLabels?: Record<string, string> } } }[];
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
const present = (body: string | undefined, what: string) => (body === undefined ? { missing: `${what} not found` } : { body });

/** Every object of one pod's bundle; `pod` is the manifest read first (containers, labels, node come from it). */
function evidenceItems(context: ActionContext, kube: KubernetesPort, target: PodTarget, podText: string): EvidenceItem[] {
  const pod = JSON.parse(podText) as PodManifest;
  const { namespace, pod: name } = target;
  const { evidenceLogLines: tailLines, evidenceLogBytes: limitBytes } = context.config;
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].map((container) => container.name);
  const node = pod.spec?.nodeName;
  const role = context.targets.roles.find((item) => item.arn === target.roleArn);
  const labels = pod.metadata?.labels ?? {};
  const logs = containers.flatMap((container) =>
    [false, true].map(
      (previous): EvidenceItem => ({
        key: `logs/${container}${previous ? '.previous' : ''}.log`,
        source: `GET /api/v1/namespaces/${namespace}/pods/${name}/log?container=${container}&tailLines=${tailLines}&limitBytes=${limitBytes}${previous ? '&previous=true' : ''}`,
        contentType: 'text/plain',
        read: async () => {
          const text = await kube.readPodLog(namespace, name, { container, tailLines, limitBytes, previous });
          if (text === undefined) return { missing: previous ? 'no previous instance of the container' : 'the container has no log (not started)' };
          return { body: text, truncated: Buffer.byteLength(text, 'utf8') >= limitBytes || undefined };
        },
      }),
    ),
  );
  const owners = target.owners.map((owner): EvidenceItem => {
    const path = OWNER_PATHS[owner.kind];
    return {
      key: `owners/${owner.kind}-${owner.name}.json`,
      source: path ? `GET /apis/${path.replace('%s', namespace)}/${owner.name}` : `${owner.kind} ${owner.name}`,
      contentType: 'application/json',
      read: async () => (path ? present(await kube.readManifest(owner.kind as ManifestKind, namespace, owner.name), `${owner.kind} ${owner.name}`) : { missing: `owner kind ${owner.kind} is not collected` }),
    };
  });
  return [
    { key: 'finding.json', source: `the ${context.finding.source} finding ${context.finding.findingId}, as eks-responder normalized it`, contentType: 'application/json', read: async () => ({ body: json(context.finding) }) },
    { key: 'pod.json', source: `GET /api/v1/namespaces/${namespace}/pods/${name}`, contentType: 'application/json', read: async () => ({ body: podText }) },
    ...owners,
    {
      key: 'events.json',
      source: `GET /api/v1/namespaces/${namespace}/events?fieldSelector=involvedObject.kind=Pod,involvedObject.name=${name}`,
      contentType: 'application/json',
      read: async () => ({ body: await kube.listManifests('Event', namespace, `involvedObject.kind=Pod,involvedObject.name=${name}`) }),
    },
    ...logs,
    ...(node ? [{ key: 'node.json', source: `GET /api/v1/nodes/${node}`, contentType: 'application/json' as const, read: async () => present(await kube.readManifest('Node', undefined, node), `node ${node}`) }] : []),
    {
      key: 'serviceaccount.json',
      source: `GET /api/v1/namespaces/${namespace}/serviceaccounts/${target.serviceAccount}`,
      contentType: 'application/json',
      read: async () => present(await kube.readManifest('ServiceAccount', namespace, target.serviceAccount), `service account ${target.serviceAccount}`),
    },
    ...(role
      ? [
          {
            key: 'role.json',
            source: `IAM GetRole, ListRolePolicies, GetRolePolicy, ListAttachedRolePolicies ${role.name}; correlation (${role.via})`,
            contentType: 'application/json' as const,
            read: async () => ({ body: json({ correlation: role, iam: (await context.adapters.iam.describeRole(role.name)) ?? null }) }),
          },
        ]
      : []),
    {
      key: 'networkpolicies.json',
      source: `GET /apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies, kept: those whose podSelector selects the pod's labels`,
      contentType: 'application/json',
      read: async () => {
        const list = JSON.parse(await kube.listManifests('NetworkPolicy', namespace)) as NetworkPolicyList;
        const selecting = (list.items ?? []).filter((policy) => selectorMatches(policy.spec?.podSelector ?? {}, labels));
        return { body: json({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicyList', items: selecting }) };
      },
    },
  ];
}

function collectedBy(pod: PodManifest, incidentId: string): string | undefined {
  try {
    const marker = JSON.parse(pod.metadata?.annotations?.[EVIDENCE_ANNOTATION] ?? '{}') as { incident?: string; manifest?: string };
    return marker.incident === incidentId ? marker.manifest : undefined;
  } catch {
    return undefined;
  }
}

/** `<incident>/<collection time>/<namespace>/<pod>/`: a run never overwrites an earlier bundle. */
function prefixFor(context: ActionContext, target: PodTarget): string {
  const stamp = context.now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${context.incidentId}/${stamp}/${target.namespace}/${target.pod}/`;
}

/**
 * The forensic bundle, taken before anything changes: the finding, the pod and its owners, its
 * events, the last lines of every container's log (current and previous, capped), its node,
 * service account and IAM role, and the NetworkPolicies that selected it. A manifest lists each
 * object's SHA-256 and when it was read; the report carries the manifest's location and hash.
 */
export const collectEvidence: Action<PodTarget, { prefix: string }> = {
  name: 'collect-evidence',
  description: 'Write the pod’s forensic bundle (manifests, events, logs, node, identity, policies) with a SHA-256 manifest to the evidence store',
  kind: 'containment',
  correlation: 'workload',
  // Owners and role are in the bundle; without a store it skips, and need not wait for them.
  needsRoles: (context) => context.adapters.evidence !== undefined,
  phase: 'evidence',
  permissions: {
    kubernetes: [
      { group: '', resource: 'pods', verbs: ['get', 'patch'] },
      { group: '', resource: 'pods/log', verbs: ['get'] },
      { group: '', resource: 'events', verbs: ['list'] },
      { group: '', resource: 'nodes', verbs: ['get'] },
      { group: '', resource: 'serviceaccounts', verbs: ['get'] },
      { group: 'networking.k8s.io', resource: 'networkpolicies', verbs: ['list'] },
      { group: 'apps', resource: 'replicasets', verbs: ['get'] },
      { group: 'apps', resource: 'deployments', verbs: ['get'] },
      { group: 'apps', resource: 'daemonsets', verbs: ['get'] },
      { group: 'apps', resource: 'statefulsets', verbs: ['get'] },
      { group: 'batch', resource: 'jobs', verbs: ['get'] },
      { group: 'batch', resource: 'cronjobs', verbs: ['get'] },
    ],
    iam: ['iam:GetRole', 'iam:ListRolePolicies', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies', 's3:PutObject', 'kms:GenerateDataKey'],
  },
  noTargetReason: 'no pod to collect evidence from',
  targetsOf: (context) => context.targets.pods,
  describe: (target) => `pod ${target.namespace}/${target.pod}`,
  protectedReason: (target) => target.protectedReason,

  async plan(context, target) {
    const store = context.adapters.evidence;
    if (!store) return { skip: 'no evidence store: set EVIDENCE_BUCKET (or --evidence-dir on the command line)' };
    const kube = requireKube(context);
    const podText = await kube.readManifest('Pod', target.namespace, target.pod);
    if (podText === undefined) return { skip: 'pod no longer exists' };
    const already = collectedBy(JSON.parse(podText) as PodManifest, context.incidentId);
    if (already) return { skip: `already collected: ${already}` };
    const prefix = prefixFor(context, target);
    const keys = [...evidenceItems(context, kube, target, podText).map((item) => item.key), 'manifest.json'];
    return { summary: `collect ${keys.length} objects to ${store.location}${prefix}: ${keys.join(', ')}`, change: { prefix } };
  },

  async apply(context, target, change) {
    const store = context.adapters.evidence;
    if (!store) throw new Error('no evidence store');
    const kube = requireKube(context);
    // Read again: the bundle holds the pod as it is when collected, and the plan may be old.
    const podText = await kube.readManifest('Pod', target.namespace, target.pod);
    if (podText === undefined) return { status: 'skipped', detail: 'pod no longer exists' };
    const result = await writeBundle(store, change.prefix, evidenceItems(context, kube, target, podText), {
      incidentId: context.incidentId,
      subject: `pod ${target.namespace}/${target.pod}`,
      collectedBy: `eks-responder via ${kube.description}`,
      limits: { logTailLines: context.config.evidenceLogLines, logLimitBytes: context.config.evidenceLogBytes },
    });
    // The pod points at its evidence, which also keeps a retried invocation from collecting twice.
    await kube.patchPodMetadata(target.namespace, target.pod, { annotations: { [EVIDENCE_ANNOTATION]: JSON.stringify({ incident: context.incidentId, manifest: result.manifestLocation }) } });
    const { objects, missing } = result.manifest;
    const capped = objects.filter((object) => object.truncated).length;
    return {
      status: 'done',
      detail: [
        `manifest ${result.manifestLocation} (sha256 ${result.manifestSha256})`,
        `${objects.length} objects`,
        missing.length ? `${missing.length} not available` : undefined,
        capped ? `${capped} log(s) capped at ${context.config.evidenceLogBytes} bytes` : undefined,
      ]
        .filter(Boolean)
        .join(', '),
    };
  },
};

/** The bundle is evidence and stays; a release only removes the pod's pointer to it. */
export const collectEvidenceRelease: ActionRelease<PodTarget> = {
  action: collectEvidence.name,
  permissions: { iam: [] },
  describe: (incidentId) => `keep the evidence bundles of incident ${incidentId}; remove the ${EVIDENCE_ANNOTATION} annotation from its pods`,
  async release(context, target) {
    const kube = requireKube(context);
    const pod = await kube.readPod(target.namespace, target.pod);
    if (!pod) return { status: 'skipped', detail: 'pod no longer exists' };
    const manifest = collectedBy({ metadata: { annotations: pod.annotations } }, context.incidentId);
    if (!manifest) return { status: 'skipped', detail: 'nothing to remove: no evidence marker for this incident' };
    await kube.patchPodMetadata(target.namespace, target.pod, { annotations: { [EVIDENCE_ANNOTATION]: null } });
    return { status: 'done', detail: `marker removed; bundle kept at ${manifest}` };
  },
};
