// The template packaged with createEvidenceBucket (issue 7): the evidence bucket and its key the
// stack creates, the bucket policy, the functions' grants and denies on them, the environment.
// template.test.ts packages it next to the default one.
import { loadConfig } from '../../shared/config';
import { ACCOUNT, FUNCTION_NAMES, FUNCTIONS, REGION, asList, danglingReferences, dependencyCycle, grantsOf, ofType, resolve, roleOf, statementsOf, wildcardViolations, type Json, type Template } from './cloudformation';
import { expectedActions, expectedGrants } from './expected-grants';

export const EVIDENCE_PARAMS = { createEvidenceBucket: 'true', evidenceRetentionDays: '30' };

const BUCKET = 'getatt:EvidenceBucket.Arn';
const KEY = 'getatt:EvidenceKey.Arn';

export function describeCreatedEvidenceBucket(template: () => Template): void {
  let t: Template;
  beforeAll(() => {
    t = template();
  });
  const resource = (id: string) => t.Resources[id];

  it('creates a versioned, Object Lock (governance) bucket encrypted with its own key, closed to the public and kept with its key', () => {
    expect(ofType(t, 'AWS::S3::Bucket').map(([id]) => id).sort()).toEqual(['EvidenceBucket', 'ServerlessDeploymentBucket']);
    const bucket = resource('EvidenceBucket');
    expect(resolve(t, bucket.Properties)).toEqual({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30 } } },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY }, BucketKeyEnabled: true }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    const key = resource('EvidenceKey');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    // Evidence outlives the stack, and stays readable.
    for (const kept of [bucket, key]) expect([kept.DeletionPolicy, kept.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    expect(resolve(t, key.Properties.KeyPolicy.Statement)).toEqual([
      { Sid: 'AccountManagesKeyThroughIam', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
    ]);
    expect(resolve(t, t.Outputs.EvidenceBucketName.Value)).toBe('ref:EvidenceBucket');
  });

  it('refuses every request without TLS, and every object not encrypted with the evidence key', () => {
    const policy = resolve(t, resource('EvidenceBucketAccess').Properties);
    expect(policy.Bucket).toBe('ref:EvidenceBucket');
    expect(policy.PolicyDocument.Statement).toEqual([
      { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [BUCKET, `${BUCKET}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      { Sid: 'DenyObjectsWithoutKms', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `${BUCKET}/*`, Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } } },
      { Sid: 'DenyObjectsUnderOtherKeys', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `${BUCKET}/*`, Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': KEY } } },
    ]);
  });

  it('points EVIDENCE_BUCKET and EVIDENCE_KMS_KEY_ID of every function at them', () => {
    for (const name of FUNCTION_NAMES) {
      const variables = resolve(t, t.Resources[FUNCTIONS[name]].Properties.Environment.Variables);
      expect([variables.EVIDENCE_BUCKET, variables.EVIDENCE_KMS_KEY_ID]).toEqual(['ref:EvidenceBucket', KEY]);
      // As CloudFormation would name them.
      const env = {
        EVIDENCE_BUCKET: 'eks-responder-dev-evidencebucket-1a2b3c4d5e6f',
        EVIDENCE_KMS_KEY_ID: `arn:aws:kms:${REGION}:${ACCOUNT}:key/5d8f1a2e-0c4b-4e7a-9f3d-2b6c8e1a7f40`,
      };
      expect(loadConfig(env, 'lambda')).toMatchObject({ evidenceBucket: env.EVIDENCE_BUCKET, evidenceKmsKeyId: env.EVIDENCE_KMS_KEY_ID });
    }
  });

  it.each(FUNCTION_NAMES)('grants %s the evidence writes only when it collects evidence, on the created bucket and key', (name) => {
    const grants = grantsOf(t, roleOf(t, name));
    const expected = expectedGrants(name, { clusters: ['*'], workloadRolePath: '/', slackSecret: '', evidenceBucket: BUCKET, evidenceKmsKey: KEY, policyParameter: '', policyKmsKey: '' });
    expect([...grants.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [action, resources] of Object.entries(expected)) expect({ action, resources: grants.get(action) }).toEqual({ action, resources });
    const writes = statementsOf(t, roleOf(t, name)).filter(({ statement }) => ['StoreEvidence', 'EncryptEvidence'].includes(statement.Sid ?? ''));
    expect(writes.map(({ deployed }) => deployed)).toEqual(expectedActions(name).has('s3:PutObject') ? [true, true] : []);
  });

  it('denies every function any weakening of the bucket, its objects and its key', () => {
    for (const name of FUNCTION_NAMES) {
      const denies = statementsOf(t, roleOf(t, name)).filter(({ statement }) => statement.Effect === 'Deny' && /Evidence/.test(statement.Sid ?? ''));
      expect(denies.map(({ statement, deployed }) => ({ sid: statement.Sid, deployed, resources: asList(resolve(t, statement.Resource)) }))).toEqual([
        { sid: 'NeverWeakenOwnEvidence', deployed: true, resources: [BUCKET, `${BUCKET}/*`] },
        { sid: 'NeverChangeOwnEvidenceKey', deployed: true, resources: [KEY] },
      ]);
      const actions = denies.flatMap(({ statement }) => asList(statement.Action) as string[]);
      expect(actions).toEqual(expect.arrayContaining(['s3:BypassGovernanceRetention', 's3:PutBucketObjectLockConfiguration', 's3:DeleteObjectVersion', 's3:PutBucketPolicy', 'kms:ScheduleKeyDeletion']));
    }
    // Every key the stack deploys is protected.
    const protectedKeys = statementsOf(t, roleOf(t, 'guardduty'))
      .filter(({ statement, deployed }) => deployed && statement.Effect === 'Deny' && asList(statement.Action).includes('kms:ScheduleKeyDeletion'))
      .flatMap(({ statement }) => asList(resolve(t, statement.Resource)) as Json[]);
    expect(protectedKeys.sort()).toEqual(ofType(t, 'AWS::KMS::Key').map(([id]) => `getatt:${id}.Arn`).sort());
  });

  it('deploys with no dangling reference, cycle or wildcard', () => {
    expect(danglingReferences(t)).toEqual([]);
    expect(dependencyCycle(t)).toBeUndefined();
    expect(wildcardViolations(t)).toEqual([]);
  });
}
