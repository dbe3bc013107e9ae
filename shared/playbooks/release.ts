import { cacheReadsForInvocation } from '../correlation/invocation-cache';
import { BadInputError } from '../errors';
import { QUARANTINE_LABEL } from '../markers';
import type { ActionRecord, Finding, IncidentReport, Mode } from '../model';
import type { PipelineDeps } from '../pipeline';
import { incidentIdFor } from '../sources/guardduty';
import type { ActionContext, AnyAction } from './action';
import type { ActionRelease } from './action-release';
import { discoverRelease } from './release-targets';
import { RELEASES } from './releases';
import { NOTIFICATION_ACTIONS, PLAYBOOKS } from './registry';
import { runAction, runActions } from './runner';

/** Which incident to release: the finding's, one named by id, or the one a quarantined pod carries. */
export type ReleaseSubject =
  | { finding: Finding }
  | { incidentId: string; cluster?: string; region?: string }
  | { pod: { cluster: string; namespace: string; pod: string; region?: string } };

export interface ReleaseOptions {
  mode: Mode;
  restoreRoleSessions: boolean;
  reason?: string;
}

const INCIDENT_ID = /^inc-[0-9a-f]{16}$/;


/** One defense-in-depth or evidence action's release, run by the runner like any action (mode, errors, records). */
function undoing(action: AnyAction, undo: ActionRelease): AnyAction {
  return {
    name: `release-${action.name}`,
    description: `Undoes ${action.name}`,
    kind: 'containment',
    correlation: 'cluster',
    permissions: action.permissions,
    targetsOf: (context) => action.targetsOf(context),
    noTargetReason: action.noTargetReason,
    describe: (target) => action.describe(target),
    plan: async (context) => ({ summary: undo.describe(context.incidentId), change: undefined }),
    apply: (context, target) => undo.release(context, target),
  };
}

/** Every quarantine action with a release, opt-in ones included: what an incident added is removed whatever the configuration is now. */
const LAYERED_RELEASES: AnyAction[] = PLAYBOOKS.quarantine.filter((action) => RELEASES[action.name]).map((action) => undoing(action, RELEASES[action.name]));

/** The containment each release action undoes: its per-target claim goes once the undo is done, so a new quarantine may act again. */
const UNDOES: Record<string, string> = {
  'release-pod': 'isolate-pod',
  'uncordon-node': 'cordon-node',
  'restore-role-sessions': 'revoke-role-sessions',
  ...Object.fromEntries(PLAYBOOKS.quarantine.filter((action) => RELEASES[action.name]).map((action) => [`release-${action.name}`, action.name])),
};

/**
 * The release playbook: undoes a quarantine. 1. find the incident and its cluster; 2. find what
 * it changed, from the markers on the objects and the incident log; 3. restore, in order: pod
 * labels, then NetworkPolicies (which depend on which pods are still quarantined), then nodes,
 * then, only when asked and safe, the role's sessions, then what the layered and evidence actions
 * added (CNI and mesh policies, disruption annotations, instance protection, the image block;
 * evidence is kept); 4. notify and record. In plan mode it
 * reports exactly what it would restore.
 */
export async function runRelease(subject: ReleaseSubject, options: ReleaseOptions, deps: PipelineDeps): Promise<IncidentReport> {
  const now = deps.now?.() ?? new Date();
  const log = deps.adapters.incidentLog;

  // 1. The incident and its cluster.
  let incidentId: string;
  let cluster: string | undefined;
  let region: string | undefined;
  let onlyPod: { namespace: string; pod: string } | undefined;
  if ('finding' in subject) {
    incidentId = incidentIdFor(subject.finding.incidentKey);
    cluster = subject.finding.cluster?.name;
    region = subject.finding.region;
  } else if ('incidentId' in subject) {
    if (!INCIDENT_ID.test(subject.incidentId)) throw new BadInputError(`"${subject.incidentId}" is not an incident id (inc- and 16 hex digits)`);
    incidentId = subject.incidentId;
    ({ cluster, region } = subject);
  } else {
    ({ cluster, region } = subject.pod);
    onlyPod = { namespace: subject.pod.namespace, pod: subject.pod.pod };
    incidentId = '';
  }
  const record = incidentId && log ? await log.get(incidentId) : undefined;
  cluster ??= record?.cluster ?? undefined;
  region ??= record?.region ?? deps.config.region;
  if (!cluster) throw new BadInputError(`incident ${incidentId}: cluster unknown (not in the incident table); give --cluster`);
  if (!region) throw new BadInputError('region unknown: set AWS_REGION');
  // A member account's incident is undone in that account, as it was done; notifications stay the responder's own.
  const account = 'finding' in subject ? subject.finding.account : record?.account;
  const adapters = (account && (await deps.adapters.forAccount?.(account))) || deps.adapters;
  const kube = cacheReadsForInvocation(await adapters.connector.connect(cluster, region));
  if (onlyPod) {
    const pod = await kube.readPod(onlyPod.namespace, onlyPod.pod);
    const marker = pod?.labels[QUARANTINE_LABEL];
    if (!marker) throw new BadInputError(`pod ${onlyPod.namespace}/${onlyPod.pod} ${pod ? 'is not quarantined' : 'not found'}`);
    incidentId = marker;
  }

  // 2. What the incident changed.
  const found = await discoverRelease({ incidentId, cluster, region, kube, eks: adapters.eks, record, onlyPod, finding: 'finding' in subject ? subject.finding : undefined });
  const logger = deps.logger.createChild({ persistentLogAttributes: { incidentId, playbook: 'release' } });
  const finding: Finding = 'finding' in subject
    ? subject.finding
    : {
        source: 'manual',
        findingId: `release:${incidentId}`,
        incidentKey: record?.incidentKey ?? `release:${incidentId}`,
        type: record?.findingType ?? 'Manual:Kubernetes/Release',
        title: record?.title ?? 'Release',
        severity: record?.severity ?? 0,
        account: record?.account ?? 'unknown',
        region,
        sample: false,
        cluster: { name: cluster },
        images: [],
      };
  const report: IncidentReport = {
    incidentId,
    incidentKey: finding.incidentKey,
    source: 'manual',
    findingId: `release:${incidentId}`,
    findingType: finding.type,
    title: `Release of incident ${incidentId}${options.reason ? `: ${options.reason}` : ''}`,
    severity: finding.severity,
    cluster,
    account: finding.account,
    region,
    mode: options.mode,
    decision: 'respond',
    reason: `release requested by hand${onlyPod ? ` for pod ${onlyPod.namespace}/${onlyPod.pod}` : ''}`,
    targets: [...found.targets.pods.map((pod) => ({ namespace: pod.namespace, pod: pod.pod, node: pod.node, serviceAccount: pod.serviceAccount })), ...found.targets.nodes.map((node) => ({ node: node.name }))],
    actions: [],
    notes: found.targets.notes,
  };

  // 3. Restore, one action after the other: each depends on what the previous one left.
  const context: ActionContext = {
    incidentId,
    finding,
    targets: found.targets,
    kube,
    adapters,
    config: deps.config,
    now,
    logger,
    // The release undoes what the responder did, wherever it did it.
    allowProtected: true,
    release: { restoreRoleSessions: options.restoreRoleSessions, releasing: new Set(), namespaces: found.namespaces, recorded: found.recorded },
  };
  const gate = { mode: options.mode, decision: 'respond' as const };
  const actions: ActionRecord[] = [];
  for (const action of [...PLAYBOOKS.release, ...LAYERED_RELEASES]) {
    const records = await runAction(action, context, gate);
    actions.push(...records);
    const undone = UNDOES[action.name];
    const claims = deps.adapters.claims;
    if (undone && claims) {
      await Promise.all(records.filter((item) => item.status === 'done').map((item) => claims.forget({ incidentId, action: undone, target: item.target })));
    }
    // Later steps count as released only the pods this step released (or would, in plan mode).
    if (action.name === 'release-pod' && context.release) {
      const released = new Set(records.filter((item) => item.status === 'done' || item.status === 'planned').map((item) => item.target.replace(/^pod /, '')));
      context.release.releasing = released;
    }
  }
  report.actions = actions;

  // 4. Notify and record.
  report.actions.push(...(await runActions([...NOTIFICATION_ACTIONS], { ...context, report: { ...report } }, gate)));
  if (log) {
    await log.record(report, now).catch((error: Error) => {
      report.actions.push({ action: 'record', target: 'incident table', status: 'failed', detail: error.message });
    });
  }
  logger.info('release handled', { actions: report.actions.map((action) => `${action.action}:${action.status}`) });
  return report;
}
