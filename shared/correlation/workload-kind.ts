import { WORKLOAD_KINDS, type WorkloadKind } from '../model';

const ALIASES: Record<string, WorkloadKind> = Object.fromEntries(
  WORKLOAD_KINDS.flatMap((kind) => {
    const singular = kind.slice(0, -1);
    return [
      [kind, kind],
      [singular, kind],
    ];
  }),
);

/** GuardDuty writes `pods`/`deployments`; other producers write `Pod`/`Deployment`. Unknown or placeholder → undefined. */
export function toWorkloadKind(value: string): WorkloadKind | undefined {
  return ALIASES[value.toLowerCase()];
}

/** Owner kinds as they appear in ownerReferences. */
export const OWNER_KIND_TO_WORKLOAD: Record<string, WorkloadKind> = {
  ReplicaSet: 'replicasets',
  Deployment: 'deployments',
  DaemonSet: 'daemonsets',
  StatefulSet: 'statefulsets',
  Job: 'jobs',
  CronJob: 'cronjobs',
};

export function workloadKindName(kind: WorkloadKind): string {
  return Object.entries(OWNER_KIND_TO_WORKLOAD).find(([, value]) => value === kind)?.[0] ?? 'Pod';
}
