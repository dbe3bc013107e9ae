import { BatchUpdateFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { RegionalClients, RESOLVED_ONCE_CLIENT_DEFAULTS } from './aws';
import type { SecurityHubFindingUpdate, SecurityHubPort, SecurityHubUpdateResult } from './ports';

/** Security Hub's answer when the account or region has not enabled it. */
const NOT_ENABLED = new Set(['InvalidAccessException']);

export class SdkSecurityHub implements SecurityHubPort {
  constructor(
    private readonly clients: RegionalClients<SecurityHubClient> = new RegionalClients((region) => new SecurityHubClient({ region, ...RESOLVED_ONCE_CLIENT_DEFAULTS })),
  ) {}

  async updateFinding(region: string, finding: { id: string; productArn: string }, update: SecurityHubFindingUpdate): Promise<SecurityHubUpdateResult> {
    try {
      const result = await this.clients.get(region).send(
        new BatchUpdateFindingsCommand({
          FindingIdentifiers: [{ Id: finding.id, ProductArn: finding.productArn }],
          Note: { Text: update.note, UpdatedBy: 'eks-responder' },
          Workflow: { Status: update.status },
        }),
      );
      // BatchUpdateFindings answers 200 even for findings it did not update; they are listed apart.
      const [unprocessed] = result.UnprocessedFindings ?? [];
      if (unprocessed) return { updated: false, reason: `${unprocessed.ErrorCode ?? 'unprocessed'}: ${unprocessed.ErrorMessage ?? 'no reason given'}` };
      return { updated: true };
    } catch (error) {
      if (NOT_ENABLED.has((error as Error).name)) return { updated: false, reason: `Security Hub is not enabled in ${region}: ${(error as Error).message}` };
      throw error;
    }
  }
}
