import type { KubernetesPort } from '../../adapters/ports';
import { CorrelationError } from '../../errors';
import type { ActionContext } from '../action';

export function requireKube(context: ActionContext): KubernetesPort {
  if (!context.kube) throw new CorrelationError('no connection to the cluster', { retryable: true });
  return context.kube;
}
