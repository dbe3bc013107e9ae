import { matchesLabels, parseLabelSelector } from '../support/kube-api-server/selectors';
import type { KubeApiServer, KubeObject } from '../support/kube-api-server';

/**
 * Which pods a stored NetworkPolicy selects, judged by the test API server's own selector
 * semantics (not the responder's), so isolation is checked independently of the code under test.
 */
export function podsSelectedBy(kube: KubeApiServer, policy: KubeObject): string[] {
  const selector = policy.spec.podSelector ?? {};
  const query = [
    ...Object.entries(selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`),
    ...(selector.matchExpressions ?? []).map((expression: { key: string; operator: string; values?: string[] }) => {
      switch (expression.operator) {
        case 'In':
          return `${expression.key} in (${expression.values?.join(',')})`;
        case 'NotIn':
          return `${expression.key} notin (${expression.values?.join(',')})`;
        case 'Exists':
          return expression.key;
        default:
          return `!${expression.key}`;
      }
    }),
  ].join(',');
  const requirements = parseLabelSelector(query);
  return kube
    .listObjects('pods', policy.metadata.namespace)
    .filter((pod) => matchesLabels(requirements, pod.metadata.labels ?? {}))
    .map((pod) => pod.metadata.name);
}

/** Policies (other than those named) that select the pod and admit any ingress or egress traffic. */
export function admittingPolicies(kube: KubeApiServer, namespace: string, pod: string): string[] {
  return kube
    .listObjects('networkpolicies', namespace)
    .filter((policy) => (policy.spec.ingress?.length ?? 0) + (policy.spec.egress?.length ?? 0) > 0)
    .filter((policy) => podsSelectedBy(kube, policy).includes(pod))
    .map((policy) => policy.metadata.name);
}
