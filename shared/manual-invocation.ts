import { z } from 'zod';
import { MODES, type IncidentReport, type Mode } from './model';
import { respond, type PipelineDeps } from './pipeline';
import { PLAYBOOK_NAMES, type PlaybookName } from './playbooks/registry';
import { normalizeEvent, splitInput } from './sources';
import { manualFinding } from './sources/manual';
import { parseWith } from './sources/parse';

export const manualRequestSchema = z
  .object({
    playbook: z.enum(PLAYBOOK_NAMES as [PlaybookName, ...PlaybookName[]]),
    event: z.unknown().optional(),
    target: z.object({ cluster: z.string(), namespace: z.string(), pod: z.string() }).optional(),
    mode: z.enum(MODES as [Mode, ...Mode[]]).optional(),
    reason: z.string().max(500).optional(),
    allowProtected: z.boolean().optional(),
  })
  .refine((request) => (request.event === undefined) !== (request.target === undefined), { message: 'give exactly one of "event" or "target"' });

export type ManualRequest = z.infer<typeof manualRequestSchema>;

/**
 * A playbook run by a person (manual Lambda or `eks-responder playbook`): on the finding(s) of
 * an event, or on one pod. It runs whatever the severity, still honouring protected scopes.
 */
export async function runManualPlaybook(payload: unknown, defaultMode: Mode, deps: PipelineDeps): Promise<IncidentReport[]> {
  const request = parseWith(manualRequestSchema, payload, 'manual playbook request');
  const options = { mode: request.mode ?? defaultMode, playbook: request.playbook, allowProtected: request.allowProtected };
  const findings = request.event !== undefined
    ? splitInput(request.event).flatMap(normalizeEvent)
    : [manualFinding(request.target, request.reason, { region: deps.config.region })];
  const reports: IncidentReport[] = [];
  for (const finding of findings) reports.push(await respond(finding, options, deps));
  return reports;
}
