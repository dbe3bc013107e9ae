import { KubeConfig } from '@kubernetes/client-node';
import { ClientNodeKubernetes } from '../../shared/adapters/kubernetes';
import type { Adapters } from '../../shared/adapters/ports';
import { loadConfig } from '../../shared/config';
import { createAdapters } from '../../shared/dependencies';
import type { Finding, Targets } from '../../shared/model';
import { createLogger } from '../../shared/observability';
import type { ActionContext } from '../../shared/playbooks/action';
import type { Sandbox } from '../support/sandbox';

export const INCIDENT = 'inc-0123456789abcdef';

const finding: Finding = {
  source: 'manual',
  findingId: 'manual:test',
  incidentKey: 'manual:test',
  type: 'Manual:Kubernetes/PlaybookInvocation',
  title: 'test',
  severity: 8,
  account: '123456789012',
  region: 'us-east-1',
  createdAt: '2026-11-24T09:00:00.000Z',
  sample: false,
  cluster: { name: 'guardduty-blueprint' },
  images: [],
};

/** An action context wired to the sandbox through the real adapters (client-node, AWS SDK). */
export function actionContext(sandbox: Sandbox, targets: Partial<Targets> = {}, adapters?: Adapters): ActionContext {
  const config = loadConfig({ ...sandbox.env }, 'cli');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(sandbox.kubeconfigPath);
  return {
    incidentId: INCIDENT,
    finding,
    targets: { pods: [], nodes: [], roles: [], notes: [], ...targets },
    kube: new ClientNodeKubernetes(kubeConfig, 'test', { attempts: 2, firstDelayMs: 1, maxDelayMs: 2 }),
    adapters: adapters ?? createAdapters(config),
    config,
    now: new Date('2026-11-24T10:00:00.000Z'),
    logger: createLogger(),
    allowProtected: false,
  };
}
