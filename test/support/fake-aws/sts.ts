/** AWS STS (AWS query protocol, XML namespace https://sts.amazonaws.com/doc/2011-06-15/). */
import { randomId, type FakeAwsState } from './state';
import type { RpcOperation } from './protocol';

export const STS_XML_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export const stsOperations: Record<string, RpcOperation<FakeAwsState>> = {
  GetCallerIdentity: {
    kind: 'read',
    handle: (_p, state) => ({ ...state.callerIdentity }),
  },
  /** Any role may be assumed; the issued key ids are kept in `state.issuedCredentials`. */
  AssumeRole: {
    kind: 'read',
    handle: (p, state) => {
      const roleArn = String(p.RoleArn ?? '');
      const sessionName = String(p.RoleSessionName ?? 'session');
      const durationSeconds = Number(p.DurationSeconds ?? 3600);
      const expiration = new Date(Math.floor(Date.now() / 1000) * 1000 + durationSeconds * 1000);
      const accessKeyId = `ASIA${randomId(16, UPPER)}`;
      state.issuedCredentials.push({ accessKeyId, roleArn, roleSessionName: sessionName, expiration });
      const account = roleArn.split(':')[4] || state.accountId;
      const roleName = roleArn.split('/').pop() ?? 'role';
      return {
        Credentials: {
          AccessKeyId: accessKeyId,
          SecretAccessKey: randomId(40),
          SessionToken: `FakeSessionToken/${randomId(64)}`,
          Expiration: expiration,
        },
        AssumedRoleUser: {
          AssumedRoleId: `AROA${randomId(17, UPPER)}:${sessionName}`,
          Arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
        },
        PackedPolicySize: p.Policy === undefined ? undefined : 6,
      };
    },
  },
};
