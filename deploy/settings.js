'use strict';

/**
 * The control-plane and Security Hub parameters, checked at package time so a typo fails the
 * package rather than every invocation (shared/config.ts checks the environment again at start),
 * and read by serverless.yml through `${file(./deploy/settings.js):...}`. An empty list leaves
 * its variable unset, so the function's documented default (none) applies.
 */
const { isIPv4, isIPv6 } = require('node:net');

/** shared/config.ts REMEDIATIONS and CONTAINED_STATUSES (test/deploy/deploy-files.test.ts keeps them equal). */
const REMEDIATIONS = ['restrict-public-endpoint', 'restore-control-plane-logging', 'revoke-access-entry'];
const CONTAINED_STATUSES = ['NOTIFIED', 'RESOLVED'];

const NO_VALUE = { Ref: 'AWS::NoValue' };

function list(value) {
  return [
    ...new Set(
      String(value ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    ),
  ];
}

function isCidr(value) {
  const [address, prefix, extra] = value.split('/');
  if (extra !== undefined || !/^\d{1,3}$/.test(prefix ?? '')) return false;
  if (isIPv4(address)) return Number(prefix) <= 32;
  return isIPv6(address) && Number(prefix) <= 128;
}

/** A comma-separated parameter whose every item passes `valid`, joined again; unset when empty. */
function checkedList(key, valid, expected) {
  return async ({ resolveVariable }) => {
    const value = await resolveVariable(`param:${key}`);
    const items = list(value);
    const bad = items.filter((item) => !valid(item));
    if (bad.length) throw new Error(`${key} must be ${expected}, got ${JSON.stringify(bad[0])}`);
    return items.length ? items.join(',') : NO_VALUE;
  };
}

function oneOf(key, allowed) {
  return async ({ resolveVariable }) => {
    const value = String(await resolveVariable(`param:${key}`));
    if (!allowed.includes(value)) throw new Error(`${key} must be ${allowed.join(' or ')}, got ${JSON.stringify(value)}`);
    return value;
  };
}

/** shared/config.ts POLICY_SSM_PARAMETER: a parameter name, or its ARN. */
const PARAMETER = /^(arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter)?[a-zA-Z0-9_.\-/]+$/;

async function policyParameter({ resolveVariable }) {
  const name = String((await resolveVariable('param:policySsmParameter')) ?? '').trim();
  const key = String((await resolveVariable('param:policySsmKmsKeyArn')) ?? '').trim();
  if (name && !PARAMETER.test(name)) throw new Error(`policySsmParameter must be an SSM parameter name or ARN, got ${JSON.stringify(name)}`);
  if (key && !name) throw new Error('policySsmKmsKeyArn is set but policySsmParameter is not');
  if (key && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/.test(key)) throw new Error(`policySsmKmsKeyArn must be a KMS key ARN, got ${JSON.stringify(key)}`);
  return name;
}

module.exports = {
  REMEDIATIONS,
  CONTAINED_STATUSES,
  /** CONTROL_PLANE_REMEDIATION: remediations that act on their own in enforce mode. */
  controlPlaneRemediation: checkedList('controlPlaneRemediation', (item) => REMEDIATIONS.includes(item), `comma-separated names among ${REMEDIATIONS.join(', ')}`),
  /** ALLOWED_PUBLIC_CIDRS: what restrict-public-endpoint leaves open (none: the endpoint becomes private). */
  allowedPublicCidrs: checkedList('allowedPublicCidrs', isCidr, 'comma-separated CIDRs such as 203.0.113.0/24'),
  /** ADMIN_PRINCIPAL_ALLOW_LIST: principals that may hold admin access policies. */
  adminPrincipalAllowList: checkedList('adminPrincipalAllowList', (item) => /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/.test(item), 'comma-separated IAM role or user ARNs'),
  /** SECURITYHUB_STATUS_WHEN_CONTAINED. */
  securityHubStatusWhenContained: oneOf('securityHubStatusWhenContained', CONTAINED_STATUSES),
  /** 'true' or 'false': whether the stack creates the Security Hub custom action (Security Hub must be enabled). */
  securityHubCustomAction: oneOf('securityHubCustomAction', ['true', 'false']),
  /** 'true' or 'false': whether the stack creates the evidence bucket; never with a bucket given. */
  createEvidenceBucket: async (context) => {
    const value = await oneOf('createEvidenceBucket', ['true', 'false'])(context);
    if (value === 'true' && String((await context.resolveVariable('param:evidenceBucket')) ?? '').trim()) {
      throw new Error('createEvidenceBucket=true creates the evidence bucket: leave evidenceBucket empty (or give evidenceBucket and createEvidenceBucket=false)');
    }
    return value;
  },
  /** Object Lock default retention of a created evidence bucket, in whole days. */
  evidenceRetentionDays: async ({ resolveVariable }) => {
    const value = String(await resolveVariable('param:evidenceRetentionDays')).trim();
    // S3 accepts up to 100 years of default retention.
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 36500) throw new Error(`evidenceRetentionDays must be a whole number of days from 1 to 36500, got ${JSON.stringify(value)}`);
    return Number(value);
  },
  /** BLOCK_IMAGE and SNAPSHOT_VOLUMES: the quarantine playbook's opt-in actions. */
  blockImage: oneOf('blockImage', ['true', 'false']),
  snapshotVolumes: oneOf('snapshotVolumes', ['true', 'false']),
  /** POLICY_SSM_PARAMETER: the response policy's parameter, unset for the packaged policy. */
  policySsmParameter: async (context) => (await policyParameter(context)) || NO_VALUE,
  /**
   * The parameter's ARN for ssm:GetParameter: a name is in this account and region ('/a/b' is
   * parameter/a/b, 'a' is parameter/a). Empty when unset: its policy is then not deployed.
   */
  policySsmParameterArn: async (context) => {
    const name = await policyParameter(context);
    if (!name || name.startsWith('arn:')) return name;
    return { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name.startsWith('/') ? '' : '/'}${name}` };
  },
};
