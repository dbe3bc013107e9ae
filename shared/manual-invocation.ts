// A namespace import: the bundle keeps only the parts of zod in use (`{ z }` keeps all of it).
import * as z from 'zod';
import { MODES, type IncidentReport, type Mode } from './model';
import { respond, type PipelineDeps } from './pipeline';
import { PLAYBOOK_NAMES, type PlaybookName } from './playbooks/names';
import { normalizeEvent, splitInput } from './sources';
import { manualFinding, manualTargetSchema } from './sources/manual';
import { parseWith } from './sources/parse';

// Built on first parse (`z.lazy`), not at import: only manual invocations build it.
export const manualRequestSchema = z.lazy(() =>
  z
    .object({
      playbook: z.enum(PLAYBOOK_NAMES as [PlaybookName, ...PlaybookName[]]),
      event: z.unknown().optional(),
      target: z.object({ cluster: z.string(), namespace: z.string(), pod: z.string() }).optional(),
      /** Release only: the incident to release, and its cluster when the incident table does not know it. */
      incident: z.string().optional(),
      cluster: z.string().optional(),
      restoreRoleSessions: z.boolean().optional(),
      mode: z.enum(MODES as [Mode, ...Mode[]]).optional(),
      reason: z.string().max(500).optional(),
      allowProtected: z.boolean().optional(),
    })
    .refine((request) => [request.event, request.target, request.incident].filter((value) => value !== undefined).length === 1, {
      message: 'give exactly one of "event", "target" or (release only) "incident"',
    })
    .refine((request) => request.playbook === 'release' || (request.incident === undefined && request.restoreRoleSessions === undefined), {
      message: '"incident" and "restoreRoleSessions" are for the release playbook',
    }),
);

export type ManualRequest = z.infer<typeof manualRequestSchema>;

/**
 * A playbook run by a person (manual Lambda or `eks-responder playbook`): on the finding(s) of
 * an event, or on one pod. It runs whatever the severity, still honouring protected scopes.
 */
export async function runManualPlaybook(payload: unknown, defaultMode: Mode, deps: PipelineDeps): Promise<IncidentReport[]> {
  const request = parseWith(manualRequestSchema, payload, 'manual playbook request');
  if (request.playbook === 'release') return releaseAll(request, defaultMode, deps);
  const options = { mode: request.mode ?? defaultMode, playbook: request.playbook, allowProtected: request.allowProtected };
  const findings = request.event !== undefined
    ? splitInput(request.event).flatMap(normalizeEvent)
    : [manualFinding(request.target, request.reason, { region: deps.config.region })];
  const reports: IncidentReport[] = [];
  for (const finding of findings) reports.push(await respond(finding, options, deps));
  return reports;
}

/** The release playbook finds its targets from the markers and the incident log, not by correlation. */
async function releaseAll(request: ManualRequest, defaultMode: Mode, deps: PipelineDeps): Promise<IncidentReport[]> {
  // With the playbooks (pipeline.ts), loaded when first needed rather than at module init.
  const { runRelease } = await import('./playbooks/release');
  const options = { mode: request.mode ?? defaultMode, restoreRoleSessions: request.restoreRoleSessions === true, reason: request.reason };
  if (request.incident !== undefined) return [await runRelease({ incidentId: request.incident, cluster: request.cluster }, options, deps)];
  if (request.target !== undefined) return [await runRelease({ pod: parseWith(manualTargetSchema, request.target, 'manual target') }, options, deps)];
  const reports: IncidentReport[] = [];
  for (const finding of splitInput(request.event).flatMap(normalizeEvent)) reports.push(await runRelease({ finding }, options, deps));
  return reports;
}
