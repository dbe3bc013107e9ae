import type { IdentityPort } from '../adapters/ports';
import type { ResponderConfig } from '../config';
import { describeError } from '../errors';
import type { Finding } from '../model';
import type { PolicySettings } from './default-policy';

/**
 * The policy's view of the configuration. For control-plane calls it also needs the
 * responder's own identity, so its remediations never trigger a response to themselves.
 */
export async function policySettingsFor(finding: Finding, config: ResponderConfig, identity: IdentityPort): Promise<{ settings: PolicySettings; notes: string[] }> {
  const notes: string[] = [];
  const responderPrincipals = [...config.responderRoleArns];
  if (finding.controlPlane && !finding.notEksReason) {
    try {
      responderPrincipals.push(await identity.callerArn());
    } catch (error) {
      notes.push(`own identity unknown (STS GetCallerIdentity: ${describeError(error)}); only RESPONDER_ROLE_ARNS are recognised as the responder`);
    }
  }
  return {
    settings: {
      controlPlaneRemediation: config.controlPlaneRemediation,
      allowedPublicCidrs: config.allowedPublicCidrs,
      adminPrincipalAllowList: config.adminPrincipalAllowList,
      responderPrincipals,
    },
    notes,
  };
}
