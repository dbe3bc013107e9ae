import { z } from 'zod';
import { ConfigError } from './errors';
import { MODES, type Mode } from './model';

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
}

const csv = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));

const arn = (service: string) =>
  z.string().regex(new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:.+$`), `an ${service} ARN`);

const flag = z.enum(['true', 'false'], 'true or false').default('false').transform((value) => value === 'true');
const count = (fallback: number, max: number) => {
  const expected = `a whole number from 1 to ${max}`;
  return z.coerce.number(expected).int(expected).min(1, expected).max(max, expected).default(fallback);
};

const envSchema = z.object({
  RESPONSE_MODE: z.enum(MODES as [Mode, ...Mode[]]).optional(),
  AWS_REGION: z.string().min(1).optional(),
  NOTIFY_TOPIC_ARN: arn('sns').optional(),
  SLACK_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  SLACK_WEBHOOK_SECRET_ID: z.string().min(1).optional(),
  PROTECTED_NAMESPACES: csv('kube-system'),
  KUBECONFIG: z.string().min(1).optional(),
  CONSOLE_BASE_URL: z.url().default('https://console.aws.amazon.com'),
  EVIDENCE_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name').optional(),
  EVIDENCE_KMS_KEY_ID: z.string().min(1).optional(),
  EVIDENCE_LOG_LINES: count(1000, 100_000),
  EVIDENCE_LOG_BYTES: count(1024 * 1024, 64 * 1024 * 1024),
  BLOCK_IMAGE: flag,
  SNAPSHOT_VOLUMES: flag,
});

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
  return {
    mode: values.RESPONSE_MODE ?? DEFAULT_MODE[runtime],
    region: values.AWS_REGION,
    notifyTopicArn: values.NOTIFY_TOPIC_ARN,
    slackWebhookUrl: values.SLACK_WEBHOOK_URL,
    slackWebhookSecretId: values.SLACK_WEBHOOK_SECRET_ID,
    protectedNamespaces: values.PROTECTED_NAMESPACES,
    kubeconfigPath: values.KUBECONFIG,
    consoleBaseUrl: values.CONSOLE_BASE_URL.replace(/\/$/, ''),
    evidenceBucket: values.EVIDENCE_BUCKET,
    evidenceKmsKeyId: values.EVIDENCE_KMS_KEY_ID,
    evidenceLogLines: values.EVIDENCE_LOG_LINES,
    evidenceLogBytes: values.EVIDENCE_LOG_BYTES,
    blockImage: values.BLOCK_IMAGE,
    snapshotVolumes: values.SNAPSHOT_VOLUMES,
  };
}
