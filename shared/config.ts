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
  /** SSM parameter holding the response policy (YAML); the built-in policy otherwise. */
  policySsmParameter?: string;
  /** DynamoDB table of incidents, their timelines, per-target claims and circuit-breaker counters. */
  incidentTable?: string;
  /** DynamoDB table for Powertools idempotency (duplicate deliveries). */
  idempotencyTable?: string;
}

const csv = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));

const arn = (service: string) =>
  z.string().regex(new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:.+$`), `an ${service} ARN`);

const envSchema = z.object({
  RESPONSE_MODE: z.enum(MODES as [Mode, ...Mode[]]).optional(),
  AWS_REGION: z.string().min(1).optional(),
  NOTIFY_TOPIC_ARN: arn('sns').optional(),
  SLACK_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  SLACK_WEBHOOK_SECRET_ID: z.string().min(1).optional(),
  PROTECTED_NAMESPACES: csv('kube-system'),
  KUBECONFIG: z.string().min(1).optional(),
  CONSOLE_BASE_URL: z.url().default('https://console.aws.amazon.com'),
  INCIDENT_TABLE: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'a DynamoDB table name').optional(),
  IDEMPOTENCY_TABLE: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'a DynamoDB table name').optional(),
  POLICY_SSM_PARAMETER: z.string().regex(/^(arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter)?[a-zA-Z0-9_.\-/]+$/, 'an SSM parameter name or ARN').optional(),
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
    policySsmParameter: values.POLICY_SSM_PARAMETER,
    incidentTable: values.INCIDENT_TABLE,
    idempotencyTable: values.IDEMPOTENCY_TABLE,
  };
}
