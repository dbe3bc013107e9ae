import { GetFindingsCommand, GuardDutyClient, paginateListDetectors, paginateListFindings } from '@aws-sdk/client-guardduty';
import { RegionalClients, RESOLVED_ONCE_CLIENT_DEFAULTS } from './aws';
import type { GuardDutyPort } from './ports';

/** GetFindings takes at most 50 ids per call. */
const BATCH = 50;

export class SdkGuardDuty implements GuardDutyPort {
  constructor(private readonly clients = new RegionalClients((region) => new GuardDutyClient({ region, ...RESOLVED_ONCE_CLIENT_DEFAULTS }))) {}

  async findingsUpdatedSince(region: string, since: Date): Promise<unknown[]> {
    const client = this.clients.get(region);
    const detectors: string[] = [];
    for await (const page of paginateListDetectors({ client }, {})) detectors.push(...(page.DetectorIds ?? []));
    const perDetector = await Promise.all(
      detectors.map(async (detectorId) => {
        const ids: string[] = [];
        const criteria = { Criterion: { updatedAt: { GreaterThanOrEqual: since.getTime() } } };
        for await (const page of paginateListFindings({ client, pageSize: BATCH }, { DetectorId: detectorId, FindingCriteria: criteria })) ids.push(...(page.FindingIds ?? []));
        const batches: string[][] = [];
        for (let start = 0; start < ids.length; start += BATCH) batches.push(ids.slice(start, start + BATCH));
        const found = await Promise.all(batches.map((FindingIds) => client.send(new GetFindingsCommand({ DetectorId: detectorId, FindingIds }))));
        return found.flatMap((result) => result.Findings ?? []);
      }),
    );
    return perDetector.flat();
  }
}
