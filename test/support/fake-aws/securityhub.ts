/** AWS Security Hub (REST-JSON). */
import type { RestRoute } from './protocol';
import type { FakeAwsState } from './state';

interface FindingIdentifier {
  Id?: string;
  ProductArn?: string;
}

/** Keeps what the update set, so tests check the finding's resulting note and workflow status. */
function recordUpdate(state: FakeAwsState, id: FindingIdentifier, params: Record<string, unknown>): void {
  const key = `${id.ProductArn ?? ''}|${id.Id ?? ''}`;
  const finding = state.securityHubFindings.get(key) ?? { id: id.Id ?? '', productArn: id.ProductArn ?? '', updates: [] };
  const workflow = params.Workflow as { Status?: string } | undefined;
  const note = params.Note as { Text?: string; UpdatedBy?: string } | undefined;
  if (workflow?.Status) finding.workflowStatus = workflow.Status;
  if (note?.Text) finding.note = { text: note.Text, updatedBy: note.UpdatedBy ?? '' };
  finding.updates.push({ ...(workflow ? { Workflow: workflow } : {}), ...(note ? { Note: note } : {}) });
  state.securityHubFindings.set(key, finding);
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
        if (rejection) {
          unprocessed.push({ FindingIdentifier: id, ErrorCode: rejection.errorCode, ErrorMessage: rejection.errorMessage });
          continue;
        }
        processed.push(id);
        recordUpdate(state, id, p);
      }
      return { ProcessedFindings: processed, UnprocessedFindings: unprocessed };
    },
  },
];
