// A namespace import: the bundle keeps only the parts of zod in use (`{ z }` keeps all of it).
import * as z from 'zod';
import { ConfigError } from './errors';
import { MODES, type Mode } from './model';

/** Control-plane remediations that may run on their own when enabled (CONTROL_PLANE_REMEDIATION). */
export const REMEDIATIONS = ['restrict-public-endpoint', 'restore-control-plane-logging', 'revoke-access-entry'] as const;
export type Remediation = (typeof REMEDIATIONS)[number];

/** Workflow status a Security Hub finding gets once its incident is contained. */
export const CONTAINED_STATUSES = ['NOTIFIED', 'RESOLVED'] as const;
export type ContainedStatus = (typeof CONTAINED_STATUSES)[number];

/**
 * Environment configuration, parsed once at start-up. Every key is documented in the README;
 * a bad value names the key and what was expected.
 */
export interface ResponderConfig {
  mode: Mode;
  region?: string;
  notifyTopicArn?: string;
  slackWebhookUrl?: string;
  slackWebhookSecretId?: string;
  protectedNamespaces: string[];
  kubeconfigPath?: string;
  /** Link base for the AWS console in notifications. */
  consoleBaseUrl: string;
  /** Control-plane remediations allowed to act without a person (default none: notify only). */
  controlPlaneRemediation: Remediation[];
  /** CIDRs the public endpoint may allow; restrict-public-endpoint sets them, or makes the endpoint private when empty. */
  allowedPublicCidrs: string[];
  /** IAM principals that may hold cluster-admin access policies. */
  adminPrincipalAllowList: string[];
  /** The responder's own roles, whose control-plane calls are ignored (its caller identity is added at run time). */
  responderRoleArns: string[];
  securityHubStatusWhenContained: ContainedStatus;
  /** Accounts whose findings are acted on; undefined: any account. */
  allowedAccounts?: string[];
  /** The role assumed in a member account to act on its findings (path /eks-responder/). */
  memberRole?: { name: string; externalId: string };
  /** S3 bucket for evidence bundles; without it (and without a CLI evidence directory) no evidence is collected. */
  evidenceBucket?: string;
  /** KMS key for the bundle's SSE-KMS encryption; the bucket's aws:kms default key when absent. */
  evidenceKmsKeyId?: string;
  /** Last lines of each container log kept as evidence. */
  evidenceLogLines: number;
  /** Byte cap on each container log; recorded in the bundle's manifest. */
  evidenceLogBytes: number;
  /** Opt-in: the quarantine playbook also blocks admission of the compromised image digests. */
  blockImage: boolean;
  /** Opt-in: the quarantine playbook also snapshots the nodes' EBS volumes. */
  snapshotVolumes: boolean;
  /** SSM parameter holding the response policy (YAML); the built-in policy otherwise. */
  policySsmParameter?: string;
  /** DynamoDB table of incidents, their timelines, per-target claims and circuit-breaker counters. */
  incidentTable?: string;
  /** DynamoDB table for Powertools idempotency (duplicate deliveries). */
  idempotencyTable?: string;
  /** Calls in flight at once to each cluster's Kubernetes API, to IAM and to EKS, whatever the burst. */
  maxConcurrentCalls: number;
}

const csv = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));

const csvOf = <T extends z.ZodType<unknown, string>>(item: T) => csv('').pipe(z.array(item));

const iamArn = (kinds: string) => z.string().regex(new RegExp(`^arn:aws[a-z-]*:iam::\\d{12}:(${kinds})/.+$`), `IAM ${kinds.replace('|', ' or ')} ARNs`);

const arn = (service: string) =>
  z.string().regex(new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:.+$`), `an ${service} ARN`);

const flag = () => z.enum(['true', 'false'], 'true or false').default('false').transform((value) => value === 'true');
const count = (fallback: number, max: number) => {
  const expected = `a whole number from 1 to ${max}`;
  return z.coerce.number(expected).int(expected).min(1, expected).max(max, expected).default(fallback);
};

// Built on the first loadConfig (`z.lazy`), at the first invocation: module init builds no schema.
const envSchema = z.lazy(() =>
  z.object({
    RESPONSE_MODE: z.enum(MODES as [Mode, ...Mode[]]).optional(),
    AWS_REGION: z.string().min(1).optional(),
    NOTIFY_TOPIC_ARN: arn('sns').optional(),
    SLACK_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
    SLACK_WEBHOOK_SECRET_ID: z.string().min(1).optional(),
    PROTECTED_NAMESPACES: csv('kube-system'),
    KUBECONFIG: z.string().min(1).optional(),
    CONSOLE_BASE_URL: z.url().default('https://console.aws.amazon.com'),
    CONTROL_PLANE_REMEDIATION: csvOf(z.enum(REMEDIATIONS, { error: `a comma-separated list of ${REMEDIATIONS.join(', ')}` })),
    ALLOWED_PUBLIC_CIDRS: csvOf(z.union([z.cidrv4(), z.cidrv6()], { error: 'comma-separated CIDRs such as 203.0.113.0/24' })),
    ADMIN_PRINCIPAL_ALLOW_LIST: csvOf(iamArn('role|user')),
    RESPONDER_ROLE_ARNS: csvOf(iamArn('role')),
    SECURITYHUB_STATUS_WHEN_CONTAINED: z.enum(CONTAINED_STATUSES, { error: CONTAINED_STATUSES.join(' or ') }).default('NOTIFIED'),
    ALLOWED_ACCOUNTS: z
      .string()
      .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^\d{12}$/, 'comma-separated 12-digit account IDs')).min(1, 'comma-separated 12-digit account IDs'))
      .optional(),
    MEMBER_ROLE_NAME: z.string().regex(/^[\w+=,.@-]{1,64}$/, 'an IAM role name').optional(),
    // sts:ExternalId: 2-1224 characters of [\w+=,.@:/-].
    MEMBER_ROLE_EXTERNAL_ID: z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, 'an STS external ID').optional(),
    EVIDENCE_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name').optional(),
    EVIDENCE_KMS_KEY_ID: z.string().min(1).optional(),
    EVIDENCE_LOG_LINES: count(1000, 100_000),
    EVIDENCE_LOG_BYTES: count(1024 * 1024, 64 * 1024 * 1024),
    BLOCK_IMAGE: flag(),
    SNAPSHOT_VOLUMES: flag(),
    INCIDENT_TABLE: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'a DynamoDB table name').optional(),
    IDEMPOTENCY_TABLE: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'a DynamoDB table name').optional(),
    POLICY_SSM_PARAMETER: z.string().regex(/^(arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter)?[a-zA-Z0-9_.\-/]+$/, 'an SSM parameter name or ARN').optional(),
    MAX_CONCURRENT_CALLS: count(10, 1000),
  }),
);

export type Runtime = 'lambda' | 'cli';

/** Lambda defaults to `notify` so a fresh deployment reports before it acts; the CLI to `plan`. */
const DEFAULT_MODE: Record<Runtime, Mode> = { lambda: 'notify', cli: 'plan' };

export function loadConfig(env: NodeJS.ProcessEnv, runtime: Runtime): ResponderConfig {
  const blank = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(blank);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`invalid ${key}=${JSON.stringify(blank[key] ?? '')}: expected ${issue.message}`);
  }
  const values = parsed.data;
  if (runtime === 'lambda' && values.SLACK_WEBHOOK_URL) {
    // A webhook URL is a credential: in Lambda it must come from Secrets Manager, never plain env.
    throw new ConfigError('SLACK_WEBHOOK_URL must not be set in Lambda: store the URL in Secrets Manager and set SLACK_WEBHOOK_SECRET_ID');
  }
  if (values.MEMBER_ROLE_NAME && !values.MEMBER_ROLE_EXTERNAL_ID) {
    // The external id is what keeps another party from making the responder act for them.
    throw new ConfigError('MEMBER_ROLE_NAME needs MEMBER_ROLE_EXTERNAL_ID: the member roles trust the responder only with it');
  }
  return {
    mode: values.RESPONSE_MODE ?? DEFAULT_MODE[runtime],
    region: values.AWS_REGION,
    notifyTopicArn: values.NOTIFY_TOPIC_ARN,
    slackWebhookUrl: values.SLACK_WEBHOOK_URL,
    slackWebhookSecretId: values.SLACK_WEBHOOK_SECRET_ID,
    protectedNamespaces: values.PROTECTED_NAMESPACES,
    kubeconfigPath: values.KUBECONFIG,
    consoleBaseUrl: values.CONSOLE_BASE_URL.replace(/\/$/, ''),
    controlPlaneRemediation: values.CONTROL_PLANE_REMEDIATION,
    allowedPublicCidrs: values.ALLOWED_PUBLIC_CIDRS,
    adminPrincipalAllowList: values.ADMIN_PRINCIPAL_ALLOW_LIST,
    responderRoleArns: values.RESPONDER_ROLE_ARNS,
    securityHubStatusWhenContained: values.SECURITYHUB_STATUS_WHEN_CONTAINED,
    allowedAccounts: values.ALLOWED_ACCOUNTS,
    memberRole: values.MEMBER_ROLE_NAME ? { name: values.MEMBER_ROLE_NAME, externalId: values.MEMBER_ROLE_EXTERNAL_ID! } : undefined,
    evidenceBucket: values.EVIDENCE_BUCKET,
    evidenceKmsKeyId: values.EVIDENCE_KMS_KEY_ID,
    evidenceLogLines: values.EVIDENCE_LOG_LINES,
    evidenceLogBytes: values.EVIDENCE_LOG_BYTES,
    blockImage: values.BLOCK_IMAGE,
    snapshotVolumes: values.SNAPSHOT_VOLUMES,
    policySsmParameter: values.POLICY_SSM_PARAMETER,
    incidentTable: values.INCIDENT_TABLE,
    idempotencyTable: values.IDEMPOTENCY_TABLE,
    maxConcurrentCalls: values.MAX_CONCURRENT_CALLS,
  };
}
