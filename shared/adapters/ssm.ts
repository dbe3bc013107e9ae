import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { RESOLVED_ONCE_CLIENT_DEFAULTS } from './aws';
import type { ParameterPort } from './ports';

export class SdkParameters implements ParameterPort {
  constructor(private readonly client: SSMClient = new SSMClient({ ...RESOLVED_ONCE_CLIENT_DEFAULTS })) {}

  async getParameter(name: string): Promise<string | undefined> {
    try {
      const result = await this.client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return result.Parameter?.Value;
    } catch (error) {
      if ((error as Error).name === 'ParameterNotFound') return undefined;
      throw error;
    }
  }
}
