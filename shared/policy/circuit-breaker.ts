import type { BreakerCounterPort, BreakerScope, KubeNode, KubernetesPort } from '../adapters/ports';
import { CORDONED_BY_ANNOTATION } from '../markers';
import type { ApplyGuard, GuardEntry } from '../playbooks/action';
import type { BlastRadiusLimits } from './schema';

/** Every refusal starts with this, so reports, notifications and tests can tell it apart. */
export const CIRCUIT_OPEN = 'circuit-open';

const KIND_OF: Record<string, BreakerScope['kind']> = { 'isolate-pod': 'pods', 'cordon-node': 'nodes', 'revoke-role-sessions': 'roles' };
const COUNTED: Record<BreakerScope['kind'], string> = { pods: 'pods isolated', nodes: 'nodes cordoned', roles: 'role revocations' };

export interface BreakerOptions {
  limits: BlastRadiusLimits;
  cluster: string;
  /** Shared counters (INCIDENT_TABLE); without them the limits hold within one invocation only. */
  counters?: BreakerCounterPort;
  kube?: KubernetesPort;
  now: Date;
}

function describeWindow(ms: number): string {
  return ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${ms / 60_000}m`;
}

/**
 * The blast-radius circuit breaker, a guard around every containment change. Per cluster and
 * fixed time window it admits at most so many pods isolated, nodes cordoned and roles revoked
 * (DynamoDB counters with conditional updates, shared by concurrent invocations). For nodes it
 * also reads the cluster: the responder never holds more than a fraction of the nodes cordoned,
 * and never cordons the last schedulable ones. Past a limit the change is skipped with a reason
 * starting `circuit-open`; the pipeline then sends the notification as urgent.
 */
export function circuitBreakerGuard(options: BreakerOptions): ApplyGuard {
  const { limits, cluster, counters, kube, now } = options;
  const windowStart = Math.floor(now.getTime() / limits.window) * limits.window;
  const window = new Date(windowStart).toISOString();
  const per = describeWindow(limits.window);
  const max: Record<BreakerScope['kind'], number> = { pods: limits.podsIsolated, nodes: limits.nodesCordoned, roles: limits.roleRevocations };
  // This invocation's admissions, checked and taken synchronously so parallel actions cannot overshoot.
  const reserved: Record<BreakerScope['kind'], Set<string>> = { pods: new Set(), nodes: new Set(), roles: new Set() };

  /** Synchronous on purpose: checked and reserved in one step, with no await between. */
  function nodeRefusal(nodes: KubeNode[], target: string): string | undefined {
    const ours = nodes.filter((node) => node.unschedulable && node.annotations[CORDONED_BY_ANNOTATION]).length + reserved.nodes.size;
    const schedulable = nodes.filter((node) => !node.unschedulable).length - reserved.nodes.size;
    const cap = Math.floor(limits.nodesCordonedFraction * nodes.length);
    if (ours + 1 > cap) {
      return `${CIRCUIT_OPEN}: cordoning ${target} would leave ${ours + 1} of the cluster's ${nodes.length} nodes cordoned by the responder (limit ${limits.nodesCordonedFraction * 100}%, ${cap} nodes)`;
    }
    if (schedulable - 1 < limits.minSchedulableNodes) {
      return `${CIRCUIT_OPEN}: cordoning ${target} would leave ${schedulable - 1} schedulable nodes (at least ${limits.minSchedulableNodes} must stay schedulable)`;
    }
    return undefined;
  }

  return {
    async enter(action, target): Promise<GuardEntry> {
      const kind = KIND_OF[action.name];
      if (!kind) return { exit: async () => undefined };
      const nodes = kind === 'nodes' && kube ? await kube.listNodes() : undefined;
      // From here to the reservation nothing awaits, so parallel actions see each other's reservations.
      const refusedByCluster = nodes ? nodeRefusal(nodes, target) : undefined;
      if (refusedByCluster) return { skip: refusedByCluster };
      if (reserved[kind].size + 1 > max[kind]) {
        return { skip: `${CIRCUIT_OPEN}: ${reserved[kind].size} ${COUNTED[kind]} in cluster ${cluster} by this invocation (limit ${max[kind]} per ${per})` };
      }
      reserved[kind].add(target);
      const scope: BreakerScope = { cluster, kind, window };
      let added = false;
      if (counters) {
        const admitted = await counters.admit(scope, target, max[kind], new Date(windowStart + 2 * limits.window)).catch((error: unknown) => {
          reserved[kind].delete(target);
          throw error;
        });
        if (!admitted.admitted) {
          reserved[kind].delete(target);
          return { skip: `${CIRCUIT_OPEN}: ${admitted.count} ${COUNTED[kind]} in cluster ${cluster} since ${window} (limit ${max[kind]} per ${per})` };
        }
        added = admitted.added;
      }
      return {
        exit: async (record) => {
          if (record.status === 'done') return;
          // Nothing changed: the slot goes back, unless an earlier change to the target holds it.
          reserved[kind].delete(target);
          if (added) await counters?.release(scope, target);
        },
      };
    },
  };
}
