import type { ControlPlaneRisk } from '../../model';
import type { ActionContext } from '../action';

/** One weakening of one cluster, as a control-plane action acts on it. */
export interface ControlPlaneTarget<K extends ControlPlaneRisk['kind']> {
  cluster: string;
  region: string;
  risk: Extract<ControlPlaneRisk, { kind: K }>;
}

/** The risks of the given kinds that the finding's control-plane call carries. */
export function controlPlaneTargets<K extends ControlPlaneRisk['kind']>(context: ActionContext, kinds: readonly K[]): ControlPlaneTarget<K>[] {
  const { finding } = context;
  if (!finding.controlPlane || !finding.cluster) return [];
  return finding.controlPlane.risks
    .filter((risk): risk is Extract<ControlPlaneRisk, { kind: K }> => (kinds as readonly string[]).includes(risk.kind))
    .map((risk) => ({ cluster: finding.cluster!.name, region: finding.region, risk }));
}
