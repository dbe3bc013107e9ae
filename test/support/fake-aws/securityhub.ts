/** AWS Security Hub (REST-JSON). */
import type { RestRoute } from './protocol';
import type { FakeAwsState } from './state';

interface FindingIdentifier {
  Id?: string;
  ProductArn?: string;
}

export const securityHubRoutes: RestRoute<FakeAwsState>[] = [
  {
    method: 'PATCH',
    path: '/findings/batchupdate',
    operation: 'BatchUpdateFindings',
    kind: 'write',
    handle: (p, state) => {
      const identifiers = Array.isArray(p.FindingIdentifiers) ? (p.FindingIdentifiers as FindingIdentifier[]) : [];
      const processed: FindingIdentifier[] = [];
      const unprocessed: { FindingIdentifier: FindingIdentifier; ErrorCode: string; ErrorMessage: string }[] = [];
      for (const id of identifiers) {
        const rejection = state.unprocessedFindings.get(id.Id ?? '');
        if (rejection) unprocessed.push({ FindingIdentifier: id, ErrorCode: rejection.errorCode, ErrorMessage: rejection.errorMessage });
        else processed.push(id);
      }
      return { ProcessedFindings: processed, UnprocessedFindings: unprocessed };
    },
  },
];
