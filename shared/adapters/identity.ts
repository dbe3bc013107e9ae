import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { RESOLVED_ONCE_CLIENT_DEFAULTS } from './aws';
import type { IdentityPort } from './ports';

/** The responder's own identity, asked once per process: its role never changes while it runs. */
export class StsIdentity implements IdentityPort {
  private arn?: Promise<string>;

  // STS answers in every region; the configured one avoids the legacy global endpoint.
  constructor(private readonly client: STSClient) {}

  callerArn(): Promise<string> {
    if (!this.arn) {
      this.arn = this.client.send(new GetCallerIdentityCommand({})).then((result) => result.Arn ?? '');
      this.arn.catch(() => (this.arn = undefined));
    }
    return this.arn;
  }
}

/** An STS client in the region (STS answers in every region; the configured one avoids the legacy global endpoint). */
export function stsClient(region: string): STSClient {
  return new STSClient({ region, ...RESOLVED_ONCE_CLIENT_DEFAULTS });
}
