import type { KubeNetworkPolicy } from '../adapters/ports';
import { selectorMatches } from './labels';

/** A policy with at least one ingress or egress rule admits some traffic; one without rules only denies. */
export function admitsTraffic(policy: KubeNetworkPolicy): boolean {
  return (policy.spec.ingress?.length ?? 0) > 0 || (policy.spec.egress?.length ?? 0) > 0;
}

/** Policies that select a pod with these labels and admit traffic to or from it. */
export function admittingPoliciesFor(policies: KubeNetworkPolicy[], labels: Record<string, string>): KubeNetworkPolicy[] {
  return policies.filter((policy) => admitsTraffic(policy) && selectorMatches(policy.spec.podSelector, labels));
}
