/** AWS Secrets Manager (AWS JSON 1.1, `X-Amz-Target: secretsmanager.<Operation>`). */
import { AwsError, type RpcOperation } from './protocol';
import type { FakeAwsState } from './state';

export const secretsManagerOperations: Record<string, RpcOperation<FakeAwsState>> = {
  GetSecretValue: {
    kind: 'read',
    handle: (p, state) => {
      const secret = state.findSecret(String(p.SecretId ?? ''));
      if (!secret) throw new AwsError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: secret.versionId,
        SecretString: secret.value,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: secret.createdDate,
      };
    },
  },
};
