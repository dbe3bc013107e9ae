// The packaged function zips, unpacked as Lambda unpacks them: each holds its handler module and
// its own chunks (esbuild.config.js), every module in it loads, the Kubernetes client's unused
// parts are not in it, the handler's module init leaves the Kubernetes client, the playbooks,
// Powertools metrics and what only a policy file needs for later, and builds no schema (each is
// built on first use), and the packaged guardduty handler contains a workload, loading the
// chunks of every client it calls on the way.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { QUARANTINE_LABEL } from '../../shared/markers';
import { asEventBridgeEvent } from '../helpers/eventbridge';
import { argocdFinding } from '../helpers/findings';
import { callsDuringInitAndInvocation } from '../support/function-coverage';
import { modulesLoadedBy } from '../support/loaded-modules';
import { EVIDENCE_BUCKET, startSandbox, TOPIC_ARN } from '../support/sandbox';
import { extractZip } from '../support/zip';
import { withPackagedService, type Template } from './cloudformation';

const FUNCTIONS = ['guardduty', 'securityhub', 'cloudtrail', 'manualPlaybook'];

/** Code of @kubernetes/client-node's generated API client that minifying leaves as it is: the path of a pod. */
const KUBERNETES_CLIENT_CODE = '/api/v1/namespaces/{namespace}/pods/{name}';

const IMPORT_ALL = `
const [handler, ...modules] = process.argv.slice(1);
for (const module of modules) await import(module);
process.stdout.write(typeof (await import(handler)).handler);
`;

// Invokes the handler once, as the Lambda runtime would, and prints its report.
const INVOKE = `
const [handlerUrl, event] = process.argv.slice(1);
const { handler } = await import(handlerUrl);
process.stdout.write(JSON.stringify(await handler(JSON.parse(event))));
`;

interface Unpacked {
  directory: string;
  files: string[];
  /** The handler module, from the template's Handler (functions/guardduty.handler -> functions/guardduty.mjs). */
  handlerFile: string;
}

const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT' };

describe('packaged function bundles', () => {
  const root = mkdtempSync(join(tmpdir(), 'eks-responder-bundles-'));
  const unpacked: Record<string, Unpacked> = {};

  beforeAll(async () => {
    await withPackagedService({}, async (artifacts) => {
      const template = JSON.parse(readFileSync(join(artifacts, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
      for (const name of FUNCTIONS) {
        const resource = `${name[0].toUpperCase()}${name.slice(1)}LambdaFunction`;
        const handler = template.Resources[resource].Properties.Handler as string;
        const directory = join(root, name);
        unpacked[name] = { directory, files: await extractZip(join(artifacts, `${name}.zip`), directory), handlerFile: `${handler.slice(0, handler.lastIndexOf('.'))}.mjs` };
      }
    });
  }, 150_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each(FUNCTIONS)('%s: the zip holds the handler module and its own chunks, nothing else', (name) => {
    const { files, handlerFile } = unpacked[name];
    const chunks = `${handlerFile.slice(0, -'.mjs'.length)}.chunks/`;

    expect(files).toContain(handlerFile);
    expect(files.filter((file) => file !== handlerFile && !(file.startsWith(chunks) && file.endsWith('.mjs')))).toEqual([]);
    expect(files.length).toBeGreaterThan(1);
  });

  it.each(FUNCTIONS)('%s: every module of the zip loads, and the handler module exports the handler', async (name) => {
    const { directory, files, handlerFile } = unpacked[name];
    const url = (file: string) => pathToFileURL(join(directory, file)).href;

    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', IMPORT_ALL, url(handlerFile), ...files.map(url)], { env, timeout: 60_000 });

    expect(stdout).toBe('function');
  }, 60_000);

  it.each(FUNCTIONS)('%s: module init does not load the Kubernetes client, which the zip holds for later', async (name) => {
    const { directory, files, handlerFile } = unpacked[name];
    const holdsClient = (path: string) => readFileSync(path, 'utf8').includes(KUBERNETES_CLIENT_CODE);

    const loaded = await modulesLoadedBy(join(directory, handlerFile), env);

    expect(loaded).toContain(join(directory, handlerFile));
    expect(loaded.filter(holdsClient)).toEqual([]);
    expect(files.map((file) => join(directory, file)).filter(holdsClient)).toHaveLength(1);
  }, 60_000);

  it.each(FUNCTIONS)("%s: the zip leaves out the Kubernetes client's parts the adapters never call (WebSocket exec and attach, tar copy)", (name) => {
    const { directory, files } = unpacked[name];
    // Code of each that minifying leaves as it is: the ws handshake header, tar-stream's header check.
    const unused = { webSocket: 'Sec-WebSocket-Accept', tar: 'Invalid tar header' };
    const texts = files.map((file) => readFileSync(join(directory, file), 'utf8'));

    expect(Object.entries(unused).filter(([, code]) => texts.some((text) => text.includes(code))).map(([part]) => part)).toEqual([]);
  });

  it.each(FUNCTIONS)('%s: module init leaves the playbooks, Powertools metrics, the Kubernetes retry and the policy-file schema for later; the zip holds them', async (name) => {
    const { directory, files, handlerFile } = unpacked[name];
    // Code of each that minifying leaves as it is.
    const later = {
      playbooks: 'Label the pod for quarantine, detach its labels and apply a deny-all NetworkPolicy',
      metrics: 'CloudWatchMetrics',
      retry: 'numOfAttempts',
      policyFile: 'give max or below, not both',
    };
    const holding = (paths: string[]) => Object.entries(later).filter(([, code]) => paths.some((path) => readFileSync(path, 'utf8').includes(code))).map(([name]) => name);

    const loaded = await modulesLoadedBy(join(directory, handlerFile), env);

    expect(holding(loaded)).toEqual([]);
    expect(holding(files.map((file) => join(directory, file)))).toEqual(Object.keys(later));
  }, 60_000);

  it('guardduty: module init builds no schema; a GuardDuty event builds the configuration and GuardDuty schemas only', async () => {
    const { directory, handlerFile } = unpacked.guardduty;
    // Text inside each schema's definition, as the minified bundle writes it (object keys, messages).
    const schemas = {
      configuration: 'a DynamoDB table name',
      guardDuty: 'eksClusterDetails:',
      securityHub: 'FindingProviderFields:',
      cloudTrail: 'recipientAccountId:',
      policyFile: 'give max or below, not both',
    };
    // Low severity: the built-in policy ignores it, so the invocation makes no call.
    const event = asEventBridgeEvent(argocdFinding({ severity: 2 }));

    const { init, invocation } = await callsDuringInitAndInvocation(join(directory, handlerFile), event, Object.values(schemas), { ...env, AWS_REGION: 'us-east-1' });

    const built = (calls: Record<string, number>) => Object.entries(schemas).filter(([, text]) => calls[text] > 0).map(([name]) => name);
    expect(built(init)).toEqual([]);
    expect(built(invocation)).toEqual(['configuration', 'guardDuty']);
  }, 60_000);

  it('guardduty: the packaged handler contains a workload in enforce mode, with every client it calls', async () => {
    const sandbox = await startSandbox();
    try {
      sandbox.aws.addSecret('eks-responder/slack', sandbox.aws.slackWebhookUrl);
      const { directory, handlerFile } = unpacked.guardduty;
      // The sandbox's endpoints and credentials are in process.env now.
      const functionEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT', RESPONSE_MODE: 'enforce', NOTIFY_TOPIC_ARN: TOPIC_ARN, SLACK_WEBHOOK_SECRET_ID: 'eks-responder/slack', EVIDENCE_BUCKET };
      const event = asEventBridgeEvent(argocdFinding({ severity: 8 }));

      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', INVOKE, pathToFileURL(join(directory, handlerFile)).href, JSON.stringify(event)], { env: functionEnv, timeout: 60_000 });

      const report = JSON.parse(stdout) as { actions: { action: string; status: string }[] };
      const status = (name: string) => report.actions.filter((action) => action.action === name).map((action) => action.status);
      expect(status('isolate-pod')).toEqual(['done']);
      expect(status('cordon-node')).toEqual(['done']);
      expect(sandbox.kube.getObject('pods', 'argocd', 'privileged-pod')?.metadata.labels).toHaveProperty([QUARANTINE_LABEL]);
      // One call of each lazily loaded client: IAM, EC2, S3, Secrets Manager, SNS, Security Hub.
      for (const [service, operation] of [['iam', 'PutRolePolicy'], ['ec2', 'ModifyInstanceAttribute'], ['s3', 'PutObject'], ['secretsmanager', 'GetSecretValue'], ['sns', 'Publish'], ['securityhub', 'BatchUpdateFindings']] as const) {
        expect({ service, operation, called: sandbox.aws.callsTo(service, operation).length > 0 }).toEqual({ service, operation, called: true });
      }
      expect(sandbox.aws.slackMessages()).toHaveLength(1);
    } finally {
      await sandbox.stop();
    }
  }, 60_000);
});
