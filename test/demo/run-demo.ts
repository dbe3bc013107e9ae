// `npm run demo`: the responder on a real GuardDuty EKS finding, against a sandbox. The
// Kubernetes API is the project's local test API server seeded with the workload the finding
// names; EKS, IAM, SNS, EC2, S3 and Slack are answered by a local endpoint. Nothing leaves this machine.
import { join } from 'node:path';
import { runCli } from '../../shared/cli/main';
import { REVOKE_POLICY_NAME } from '../../shared/markers';
import { CLUSTER, NODES } from '../support/cluster-scenario';
import type { KubeObject } from '../support/kube-api-server';
import { startSandbox, type Sandbox } from '../support/sandbox';

const EVENT = join(__dirname, '..', '..', 'events', 'guardduty', 'get-findings', 'eks-privileged-container-argocd.json');
const say = (text = '') => process.stdout.write(`${text}\n`);
const heading = (text: string) => say(`\n=== ${text} ${'='.repeat(Math.max(0, 72 - text.length))}`);

function labels(object: KubeObject | undefined): string {
  return Object.entries(object?.metadata.labels ?? {}).map(([key, value]) => `${key}=${value}`).join(',') || '(none)';
}

function showCluster(sandbox: Sandbox): void {
  const { kube, aws } = sandbox;
  for (const pod of kube.listObjects('pods', 'argocd')) {
    say(`  pod argocd/${pod.metadata.name}  labels ${labels(pod)}  node ${pod.spec.nodeName}`);
  }
  for (const policy of kube.listObjects('networkpolicies', 'argocd')) {
    say(`  networkpolicy argocd/${policy.metadata.name}  podSelector ${JSON.stringify(policy.spec.podSelector)}  types ${policy.spec.policyTypes?.join('+')}`);
  }
  const node = kube.getObject('nodes', undefined, NODES.a.name);
  say(`  node ${NODES.a.name}  unschedulable=${node?.spec.unschedulable === true}`);
  const revocation = aws.rolePolicy('privileged-app-irsa', REVOKE_POLICY_NAME);
  const before = revocation ? JSON.parse(revocation).Statement[0].Condition.DateLessThan['aws:TokenIssueTime'] : undefined;
  say(`  IAM role privileged-app-irsa  ${before ? `${REVOKE_POLICY_NAME}: denies sessions issued before ${before}` : 'no revocation policy'}`);
  say(`  notifications sent: ${aws.callsTo('sns', 'Publish').length} to SNS, ${aws.slackMessages().length} to Slack`);
}

async function cli(args: string[], env: Record<string, string>): Promise<number> {
  say(`$ eks-responder ${args.map((arg) => (arg.includes(' ') ? `"${arg}"` : arg)).join(' ')}`);
  const code = await runCli(args, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: () => '',
    env: { ...process.env, ...env },
  });
  say(`(exit ${code})`);
  return code;
}

async function main(): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sandbox = await startSandbox();
  try {
    say('eks-responder demo. THIS IS A SANDBOX: no AWS account and no real cluster are used.');
    say(`  Kubernetes: the project's local test API server at ${sandbox.kube.url}, playing EKS cluster "${CLUSTER}",`);
    say('              seeded with the workload the finding names (plus a healthy Argo CD server next to it).');
    say(`  AWS:        EKS, IAM, SNS, EC2, S3 (the evidence bucket) and the Slack webhook are answered by a local endpoint at ${sandbox.aws.url}.`);
    say('  Finding:    events/guardduty/get-findings/eks-privileged-container-argocd.json, a real GuardDuty finding');
    say('              (PrivilegeEscalation:Kubernetes/PrivilegedContainer, severity 5) published by aws-samples.');

    heading('Sandbox cluster before');
    showCluster(sandbox);

    heading('1. The automatic response, in plan mode (nothing changes, nothing is sent)');
    say('Severity 5 is Medium: the default policy plans the quarantine for a person and notifies.');
    await cli(['respond', '--event', EVENT], sandbox.env);

    heading('2. An analyst runs the quarantine playbook, in enforce mode');
    const code = await cli(['playbook', 'quarantine', '--event', EVENT, '--mode', 'enforce', '--reason', 'privileged centos pod created by argocd'], sandbox.env);

    heading('3. The same playbook again: every action sees its own markers and changes nothing');
    const mutationsBefore = sandbox.kube.mutations().length + sandbox.aws.mutations().length;
    await cli(['playbook', 'quarantine', '--event', EVENT, '--mode', 'enforce'], sandbox.env);
    say(`(cluster and IAM changes made by the second run: ${sandbox.kube.mutations().length + sandbox.aws.mutations().length - mutationsBefore})`);

    heading('Sandbox cluster after');
    showCluster(sandbox);
    say('\nThe compromised pod still exists for forensics, its original labels kept in an annotation. Under a');
    say('Deployment, detaching the labels also lets the ReplicaSet start a clean replica and drops the pod from Services.');

    heading('4. The release playbook undoes the quarantine from the markers it left');
    const released = await cli(['playbook', 'release', '--event', EVENT, '--mode', 'enforce', '--reason', 'false positive after review'], sandbox.env);

    heading('Sandbox cluster after the release');
    showCluster(sandbox);
    say('\nThe pod has its labels back, the policies are as they were and the node is schedulable. The role');
    say("revocation stays until its sessions have expired: see --restore-role-sessions in the README.");
    say('To run against a real cluster: eks-responder respond --event <file> --kubeconfig ~/.kube/config (plan mode by default).');
    process.exitCode = code || released;
  } finally {
    await sandbox.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
