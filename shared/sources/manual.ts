// A namespace import: the bundle keeps only the parts of zod in use (`{ z }` keeps all of it).
import * as z from 'zod';
import type { Finding } from '../model';
import { parseWith } from './parse';

// Built on first parse (`z.lazy`), not at import: only manual invocations build it.
export const manualTargetSchema = z.lazy(() => {
  const k8sName = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'a Kubernetes object name');
  return z.object({
    cluster: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, 'an EKS cluster name'),
    namespace: k8sName,
    pod: k8sName,
    account: z.string().optional(),
    region: z.string().optional(),
  });
});

export type ManualTarget = z.infer<typeof manualTargetSchema>;

/** A playbook invoked by hand on one pod becomes a finding of its own, so it gets the same pipeline and report. */
export function manualFinding(target: unknown, reason: string | undefined, defaults: { account?: string; region?: string }): Finding {
  const parsed = parseWith(manualTargetSchema, target, 'manual target');
  const key = `manual:${parsed.cluster}/${parsed.namespace}/${parsed.pod}`;
  return {
    source: 'manual',
    findingId: key,
    incidentKey: key,
    type: 'Manual:Kubernetes/PlaybookInvocation',
    title: reason ? `Manual playbook invocation: ${reason}` : 'Manual playbook invocation',
    severity: 0,
    account: parsed.account ?? defaults.account ?? 'unknown',
    region: parsed.region ?? defaults.region ?? 'unknown',
    sample: false,
    cluster: { name: parsed.cluster },
    workload: { kind: 'pods', name: parsed.pod, namespace: parsed.namespace },
    images: [],
  };
}
