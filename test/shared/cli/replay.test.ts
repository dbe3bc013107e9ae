import { QUARANTINE_LABEL } from '../../../shared/markers';
import type { ReplayResult } from '../../../shared/replay';
import { runCommand } from '../../helpers/cli';
import { asEventBridgeEvent } from '../../helpers/eventbridge';
import { argocdFinding } from '../../helpers/findings';
import { ACCOUNT, CLUSTER, NODES, REGION } from '../../support/cluster-scenario';
import { startSandbox, type Sandbox } from '../../support/sandbox';

/**
 * The record a Lambda on-failure destination sends to SQS (shape from the Lambda developer guide,
 * "Adding a destination"; built here around our own events, not a captured sample).
 */
function destinationRecord(functionName: string, requestPayload: unknown, error = { errorType: 'ActionFailedError', errorMessage: 'incident 1: revoke-role-sessions failed' }) {
  return JSON.stringify({
    version: '1.0',
    timestamp: '2025-06-01T10:00:00.000Z',
    requestContext: { requestId: 'c2a6f2b1-0000-4000-8000-000000000001', functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:eks-responder-prod-${functionName}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
    requestPayload,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { ...error, stackTrace: [] },
  });
}

const argocdEvent = () => asEventBridgeEvent(argocdFinding({ severity: 8 }));
const deploymentEvent = () => asEventBridgeEvent(argocdFinding({ severity: 8, id: 'deployment-finding', workload: { Name: 'frontend', Type: 'deployments', Namespace: 'web' } }));
const manualRequest = { playbook: 'cordon-node', target: { cluster: CLUSTER, namespace: 'monitoring', pod: 'node-agent-p9xw4' }, mode: 'plan', reason: 'INC-7' };

describe('eks-responder replay --from-dlq', () => {
  let sandbox: Sandbox;
  let queueUrl: string;
  beforeEach(async () => {
    sandbox = await startSandbox({ withoutSlack: true });
    queueUrl = sandbox.aws.addQueue('eks-responder-prod-failures');
  });
  afterEach(() => sandbox.stop());

  const replay = async (...args: string[]) => {
    const run = await runCommand(['replay', '--from-dlq', '--queue-url', queueUrl, ...args], sandbox.env);
    return { ...run, results: args.includes('--json') ? run.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as ReplayResult) : [] };
  };
  const remaining = () => sandbox.aws.queueMessages(queueUrl);

  it('re-drives both queue shapes and manual requests, deleting each message only once it succeeded', async () => {
    const ids = {
      guardduty: sandbox.aws.sendToQueue(queueUrl, destinationRecord('guardduty', argocdEvent())),
      deadLetter: sandbox.aws.sendToQueue(queueUrl, JSON.stringify(deploymentEvent()), {
        ERROR_CODE: { DataType: 'String', StringValue: 'SDK_CLIENT_ERROR' },
        ERROR_MESSAGE: { DataType: 'String', StringValue: 'Rate Exceeded.' },
      }),
      manual: sandbox.aws.sendToQueue(queueUrl, destinationRecord('manualPlaybook', manualRequest)),
      garbage: sandbox.aws.sendToQueue(queueUrl, 'not json {'),
      unsupported: sandbox.aws.sendToQueue(queueUrl, destinationRecord('guardduty', { source: 'aws.s3', 'detail-type': 'Object Created', detail: {} })),
    };

    const run = await replay('--mode', 'enforce', '--json');

    expect(run.code).toBe(1);
    const byId = Object.fromEntries(run.results.map((result) => [result.messageId, result]));
    expect(byId[ids.guardduty]).toMatchObject({ status: 'deleted', shape: 'lambda-destination', originalError: 'RetriesExhausted after 3 attempts: ActionFailedError: incident 1: revoke-role-sessions failed' });
    expect(byId[ids.deadLetter]).toMatchObject({ status: 'deleted', shape: 'eventbridge-dead-letter', originalError: 'SDK_CLIENT_ERROR: Rate Exceeded.' });
    expect(byId[ids.manual]).toMatchObject({ status: 'deleted', shape: 'lambda-destination' });
    expect(byId[ids.garbage]).toMatchObject({ status: 'failed', detail: expect.stringMatching(/^cannot read the message: message .* is not valid JSON/) });
    expect(byId[ids.unsupported]).toMatchObject({ status: 'failed', detail: 'bad input: unsupported event: source "aws.s3", detail-type "Object Created"' });

    // What the replays did: the argocd pod and the Deployment contained, the manual request run in enforce mode.
    expect(sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')?.metadata.labels).toHaveProperty([QUARANTINE_LABEL]);
    for (const pod of ['frontend-7d4b9c8f6-x2k4p', 'frontend-7d4b9c8f6-q8n3v', 'frontend-7d4b9c8f6-m5t7z']) {
      expect(sandbox.kube.getObject('pods', 'web', pod)?.metadata.labels).toHaveProperty([QUARANTINE_LABEL]);
    }
    expect(byId[ids.manual].reports[0]).toMatchObject({ mode: 'enforce', title: 'Manual playbook invocation: INC-7' });
    // In enforce mode, and within the built-in limits: the two replays before it already cordoned a node
    // of three, so the circuit breaker holds this one back (50% of the nodes at most) and asks a person.
    expect(byId[ids.manual].reports[0].actions[0]).toMatchObject({ action: 'cordon-node', status: 'skipped', detail: expect.stringMatching(/^circuit-open: cordoning node /) });
    expect(byId[ids.manual].reports[0].urgent).toMatch(/^circuit breaker open: 1 containment action held back/);
    expect(sandbox.kube.getObject('nodes', undefined, NODES.b.name)?.spec.unschedulable).toBeUndefined();

    // Only the bad messages are left, visible again for the next run.
    expect(remaining().map((message) => [message.messageId, message.visible])).toEqual([
      [ids.garbage, true],
      [ids.unsupported, true],
    ]);
    // The first message was deleted after its containment, not before.
    const operations = sandbox.aws.calls.map((call) => call.operation);
    expect(operations.indexOf('PutRolePolicy')).toBeGreaterThanOrEqual(0);
    expect(operations.indexOf('PutRolePolicy')).toBeLessThan(operations.indexOf('DeleteMessage'));
    expect(sandbox.aws.callsTo('sqs', 'DeleteMessage')).toHaveLength(3);
  });

  it('keeps a message whose action failed, with the reason, and deletes it on a later successful replay', async () => {
    const id = sandbox.aws.sendToQueue(queueUrl, destinationRecord('guardduty', argocdEvent()));
    sandbox.aws.failNext({ service: 'iam', operation: 'PutRolePolicy' }, { status: 403, code: 'AccessDenied', message: 'not authorized to perform iam:PutRolePolicy' });

    const first = await replay('--mode', 'enforce', '--json');

    expect(first.code).toBe(1);
    expect(first.results).toEqual([
      expect.objectContaining({ messageId: id, status: 'failed', detail: expect.stringMatching(/^action failed: revoke-role-sessions role arn:aws:iam::\d+:role\/privileged-app-irsa: .*not authorized to perform iam:PutRolePolicy/) }),
    ]);
    expect(remaining()).toEqual([expect.objectContaining({ messageId: id, visible: true, receiveCount: 1 })]);
    expect(sandbox.aws.callsTo('sqs', 'DeleteMessage')).toEqual([]);

    const second = await replay('--mode', 'enforce', '--json');

    expect(second.code).toBe(0);
    expect(second.results[0].reports[0].actions.map((action) => [action.action, action.status])).toEqual([
      ['collect-evidence', 'skipped'],
      ['isolate-pod', 'skipped'],
      ['cordon-node', 'skipped'],
      ['revoke-role-sessions', 'done'],
      ['cilium-deny', 'skipped'],
      ['calico-deny', 'skipped'],
      ['mesh-deny', 'skipped'],
      ['protect-instance', 'skipped'],
      ['protect-from-disruption', 'skipped'],
      ['protect-from-disruption', 'skipped'],
      ['notify', 'done'],
      ['update-securityhub-finding', 'done'],
    ]);
    expect(second.results[0].status).toBe('deleted');
    expect(remaining()).toEqual([]);
  });

  it('changes and deletes nothing in plan mode, and says so per message', async () => {
    const ids = [sandbox.aws.sendToQueue(queueUrl, destinationRecord('guardduty', argocdEvent())), sandbox.aws.sendToQueue(queueUrl, JSON.stringify(deploymentEvent()))];

    const run = await replay();

    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^kept \\(plan\\) ${ids[0]} \\[lambda-destination, first failure: RetriesExhausted after 3 attempts: ActionFailedError: .*\\]: plan mode, nothing done: incident inc-[0-9a-f]+: respond \\(collect-evidence planned, isolate-pod planned, cordon-node planned, revoke-role-sessions planned, cilium-deny skipped, calico-deny skipped, mesh-deny skipped, protect-instance planned, protect-from-disruption skipped, protect-from-disruption planned, notify planned, update-securityhub-finding planned\\)$`));
    expect(lines[1]).toMatch(new RegExp(`^kept \\(plan\\) ${ids[1]} \\[eventbridge-dead-letter\\]: plan mode`));
    expect(sandbox.kube.mutations()).toEqual([]);
    expect(sandbox.aws.mutations()).toEqual([]);
    expect(remaining().map((message) => [message.messageId, message.visible])).toEqual(ids.map((id) => [id, true]));
  });

  it('takes at most --max messages and leaves the rest untouched', async () => {
    for (let i = 0; i < 3; i++) sandbox.aws.sendToQueue(queueUrl, destinationRecord('guardduty', asEventBridgeEvent(argocdFinding({ severity: 2, id: `low-${i}` }))));

    const run = await replay('--mode', 'notify', '--max', '2', '--json');

    expect(run.code).toBe(0);
    expect(run.results.map((result) => [result.status, result.reports[0].decision])).toEqual([
      ['deleted', 'ignore'],
      ['deleted', 'ignore'],
    ]);
    expect(remaining()).toEqual([expect.objectContaining({ receiveCount: 0 })]);
  });

  it('says so when the queue is empty', async () => {
    const run = await replay('--mode', 'enforce');

    expect(run).toMatchObject({ code: 0, stdout: `no message in ${queueUrl}\n` });
  });

  it.each([
    [['replay', '--queue-url', 'http://127.0.0.1/x'], 'eks-responder: replay takes failed events from a queue: give --from-dlq\n'],
    [['replay', '--from-dlq'], 'eks-responder: give --queue-url or set FAILURE_QUEUE_URL\n'],
    [['replay', '--from-dlq', '--queue-url', 'failures'], 'eks-responder: --queue-url "failures" is not a URL\n'],
  ])('rejects %j with exit 2', async (args, stderr) => {
    const run = await runCommand(args, { ...sandbox.env, FAILURE_QUEUE_URL: '' });

    expect(run).toMatchObject({ code: 2, stderr });
    expect(sandbox.aws.calls).toEqual([]);
  });

  it('rejects a --max that is not a positive integer', async () => {
    expect((await replay('--max', '0')).code).toBe(2);
  });

  it('reads the queue named by FAILURE_QUEUE_URL', async () => {
    sandbox.aws.sendToQueue(queueUrl, destinationRecord('guardduty', argocdEvent()));

    const run = await runCommand(['replay', '--from-dlq', '--json'], { ...sandbox.env, FAILURE_QUEUE_URL: queueUrl });

    expect(run.code).toBe(0);
    expect(sandbox.aws.callsTo('sqs', 'ReceiveMessage')[0].params).toMatchObject({ QueueUrl: queueUrl, MessageAttributeNames: ['All'] });
  });
});
