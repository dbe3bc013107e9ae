import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { CorrelationError, describeError } from '../errors';
import type { Adapters } from './ports';

/** Member roles live under this path (deploy/member-role.yml), which the responder's denies also protect. */
export const MEMBER_ROLE_PATH = '/eks-responder/';

/** Renew assumed credentials this long before they expire, so no call starts with credentials about to lapse. */
export const CREDENTIALS_REFRESH_MARGIN_MS = 5 * 60 * 1000;

export interface MemberRole {
  name: string;
  externalId: string;
}

/**
 * Credentials of one role, assumed with the external id and kept until shortly before they
 * expire. Concurrent callers share one AssumeRole; a failed one is not kept.
 */
export function assumedRoleCredentials(sts: STSClient, roleArn: string, externalId: string, now: () => number = Date.now): AwsCredentialIdentityProvider {
  let current: Promise<AwsCredentialIdentity> | undefined;
  const assume = async (): Promise<AwsCredentialIdentity> => {
    try {
      const { Credentials: credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'eks-responder', ExternalId: externalId, DurationSeconds: 3600 }));
      if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
      return { accessKeyId: credentials.AccessKeyId, secretAccessKey: credentials.SecretAccessKey, sessionToken: credentials.SessionToken, expiration: credentials.Expiration };
    } catch (error) {
      // Retryable: a role or trust policy fixed later makes the retried or replayed event work.
      throw new CorrelationError(`cannot assume ${roleArn}: ${describeError(error)}`, { cause: error, retryable: true });
    }
  };
  return async () => {
    const cached = current && (await current.catch(() => undefined));
    if (cached && (!cached.expiration || cached.expiration.getTime() - now() > CREDENTIALS_REFRESH_MARGIN_MS)) return cached;
    const pending = assume();
    current = pending;
    pending.catch(() => {
      if (current === pending) current = undefined;
    });
    return pending;
  };
}

/**
 * Adapters per account: the responder's own for findings about its own account (or none), and
 * for a member account, adapters acting through the member role. Built once per account and
 * reused for the life of the process.
 */
export class MemberAccounts {
  private home?: Promise<{ account: string; partition: string }>;
  private readonly members = new Map<string, Adapters>();

  constructor(
    private readonly sts: STSClient,
    private readonly role: MemberRole,
    /** Adapters acting with these credentials (EKS, cluster access, IAM); notifications stay the responder's own. */
    private readonly build: (credentials: AwsCredentialIdentityProvider) => Pick<Adapters, 'connector' | 'eks' | 'iam'>,
    private readonly now: () => number = Date.now,
  ) {}

  async adaptersFor(account: string, own: Adapters): Promise<Adapters> {
    const home = await this.identity();
    if (account === home.account) return own;
    let adapters = this.members.get(account);
    if (!adapters) {
      const roleArn = `arn:${home.partition}:iam::${account}:role${MEMBER_ROLE_PATH}${this.role.name}`;
      adapters = { ...own, ...this.build(assumedRoleCredentials(this.sts, roleArn, this.role.externalId, this.now)) };
      this.members.set(account, adapters);
    }
    return adapters;
  }

  /** The account and partition the responder runs in, asked once. */
  private identity(): Promise<{ account: string; partition: string }> {
    this.home ??= this.sts.send(new GetCallerIdentityCommand({})).then(
      (identity) => ({ account: identity.Account ?? '', partition: identity.Arn?.split(':')[1] ?? 'aws' }),
      (error: unknown) => {
        this.home = undefined;
        throw new CorrelationError(`cannot tell the responder's own account: ${describeError(error)}`, { cause: error, retryable: true });
      },
    );
    return this.home;
  }
}
