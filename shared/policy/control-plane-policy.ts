import type { Remediation } from '../config';
import type { Actor, ControlPlaneCall, ControlPlaneRisk } from '../model';
import type { PlaybookName } from '../playbooks/names';
import { cidrWithin, OPEN_TO_WORLD } from './cidr';

export interface ControlPlaneSettings {
  /** Remediations allowed to act without a person (CONTROL_PLANE_REMEDIATION). */
  controlPlaneRemediation: Remediation[];
  allowedPublicCidrs: string[];
  adminPrincipalAllowList: string[];
  /** The responder's own roles and caller identity: its own calls are never responded to. */
  responderPrincipals: string[];
}

export interface ControlPlaneVerdict {
  decision: 'respond' | 'notify' | 'ignore';
  reason: string;
  playbook: PlaybookName;
}

/** The remediation that undoes each weakening; deletions cannot be undone, only reported. */
export const REMEDIATION_FOR: Partial<Record<ControlPlaneRisk['kind'], Remediation>> = {
  'public-endpoint': 'restrict-public-endpoint',
  'logging-disabled': 'restore-control-plane-logging',
  'admin-access': 'revoke-access-entry',
  'access-entry-created': 'revoke-access-entry',
};

/** `arn:aws:sts::1:assumed-role/NAME/SESSION` or `arn:aws:iam::1:role/path/NAME` → `1/NAME`: session ARNs drop the role's path. */
function roleKey(arn: string | undefined): string | undefined {
  const session = arn && /^arn:[^:]+:sts::(\d*):assumed-role\/([^/]+)\//.exec(arn);
  if (session) return `${session[1]}/${session[2]}`;
  const role = arn && /^arn:[^:]+:iam::(\d*):role\/(?:.*\/)?([^/]+)$/.exec(arn);
  return role ? `${role[1]}/${role[2]}` : undefined;
}

/** The responder principal that made the call, if it was one of them. */
export function responderMatch(actor: Actor, principals: string[]): string | undefined {
  const actorKeys = new Set([roleKey(actor.arn), roleKey(actor.roleArn)].filter(Boolean));
  return principals.find((principal) => principal === actor.arn || actorKeys.has(roleKey(principal)));
}

/** The risks that remain once allow lists are applied, and why the others were cleared. */
export function weakeningRisks(call: ControlPlaneCall, settings: ControlPlaneSettings): { risks: ControlPlaneRisk[]; cleared: string[] } {
  const risks: ControlPlaneRisk[] = [];
  const cleared: string[] = [];
  for (const risk of call.risks) {
    if (risk.kind === 'public-endpoint' && risk.publicAccessCidrs) {
      const cidrs = risk.publicAccessCidrs;
      const open = cidrs.some((cidr) => OPEN_TO_WORLD.includes(cidr));
      const outside = settings.allowedPublicCidrs.length > 0 && cidrs.some((cidr) => !cidrWithin(cidr, settings.allowedPublicCidrs));
      if (!open && !outside) {
        cleared.push(`public access limited to ${cidrs.join(', ')}${settings.allowedPublicCidrs.length ? ' (within ALLOWED_PUBLIC_CIDRS)' : ''}`);
        continue;
      }
    }
    if ((risk.kind === 'admin-access' || risk.kind === 'access-entry-created') && settings.adminPrincipalAllowList.includes(risk.principalArn)) {
      cleared.push(`${risk.principalArn} is on ADMIN_PRINCIPAL_ALLOW_LIST`);
      continue;
    }
    // Deploying the responder gives its roles access entries (a Kubernetes group, no admin policy).
    if (risk.kind === 'access-entry-created' && responderMatch({ arn: risk.principalArn, roleArn: risk.principalArn }, settings.responderPrincipals)) {
      cleared.push(`${risk.principalArn} is the responder's own role`);
      continue;
    }
    risks.push(risk);
  }
  return { risks, cleared };
}

/** An EKS control-plane call: notify by default; remediate on its own only where CONTROL_PLANE_REMEDIATION allows. */
export function decideControlPlane(call: ControlPlaneCall, settings: ControlPlaneSettings, manualPlaybook?: PlaybookName): ControlPlaneVerdict {
  const ignore = (reason: string): ControlPlaneVerdict => ({ decision: 'ignore', reason, playbook: 'notify' });
  if (call.errorCode) return ignore(`the call failed (${call.errorCode}): nothing changed`);
  const responder = responderMatch(call.actor, settings.responderPrincipals);
  if (responder) return ignore(`made by the responder's own identity (${responder})`);
  if (call.actor.type === 'AWSService') return ignore(`made by the AWS service ${call.actor.arn}`);
  const { risks, cleared } = weakeningRisks(call, settings);
  if (risks.length === 0) return ignore(`${call.eventName} does not weaken the cluster${cleared.length ? `: ${cleared.join('; ')}` : ''}`);
  const summary = risks.map((risk) => risk.summary).join('; ');
  if (manualPlaybook) return { decision: 'respond', reason: `${summary}; playbook ${manualPlaybook} invoked by hand`, playbook: manualPlaybook };
  const remediation = risks.map((risk) => REMEDIATION_FOR[risk.kind]).find(Boolean);
  if (!remediation) return { decision: 'notify', reason: `${summary}: no automatic remediation, a person decides`, playbook: 'notify' };
  if (settings.controlPlaneRemediation.includes(remediation)) {
    return { decision: 'respond', reason: `${summary}: remediation ${remediation} is enabled`, playbook: remediation };
  }
  return { decision: 'notify', reason: `${summary}: remediation ${remediation} is not enabled (CONTROL_PLANE_REMEDIATION), planned for a person to run`, playbook: remediation };
}
