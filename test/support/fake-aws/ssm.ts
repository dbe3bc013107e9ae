/** AWS Systems Manager Parameter Store (AWS JSON 1.1, `X-Amz-Target: AmazonSSM.<Operation>`). */
import { AwsError, type RpcOperation } from './protocol';
import type { FakeAwsState } from './state';

export const ssmOperations: Record<string, RpcOperation<FakeAwsState>> = {
  GetParameter: {
    kind: 'read',
    handle: (p, state) => {
      const name = String(p.Name ?? '');
      const parameter = state.parameters.get(name.replace(/^arn:aws[a-z-]*:ssm:[^:]+:\d+:parameter/, ''));
      if (!parameter) throw new AwsError(400, 'ParameterNotFound', `Parameter ${name} not found.`);
      // SecureString values come back encrypted unless WithDecryption is set, as the real service does.
      const value = parameter.type === 'SecureString' && p.WithDecryption !== true ? `encrypted:${Buffer.from(parameter.value).toString('base64')}` : parameter.value;
      return { Parameter: { Name: parameter.name, Type: parameter.type, Value: value, Version: 1, DataType: 'text' } };
    },
  },
};
