import type { Ec2Instance } from '../../adapters/ports';
import type { NodeTarget } from '../../model';
import type { ActionContext } from '../action';

const COMPUTE_TYPE_LABEL = 'eks.amazonaws.com/compute-type';

/** How the actions on a node's instance name their target: the node, and its instance when known. */
export const describeNodeInstance = (node: NodeTarget): string => `node ${node.name}${node.instanceId ? ` (${node.instanceId})` : ''}`;

/** The EC2 instance behind a node, or why there is none to act on. */
export async function instanceBehind(context: ActionContext, node: NodeTarget): Promise<{ instance: Ec2Instance } | { skip: string }> {
  if (!node.instanceId) {
    const kubeNode = await context.kube?.readNode(node.name);
    if (kubeNode?.labels[COMPUTE_TYPE_LABEL] === 'fargate') {
      return { skip: 'Fargate node: AWS runs it outside the account, so there is no EC2 instance or EBS volume to act on' };
    }
    return { skip: `no EC2 instance behind node ${node.name} (providerID ${kubeNode?.providerID ?? 'unknown'})` };
  }
  const instance = await context.adapters.ec2.describeInstance(context.finding.region, node.instanceId);
  if (!instance) return { skip: `instance ${node.instanceId} not found in ${context.finding.region}` };
  if (instance.state === 'terminated' || instance.state === 'shutting-down') return { skip: `instance ${node.instanceId} is ${instance.state}` };
  return { instance };
}
