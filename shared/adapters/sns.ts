import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { RegionalClients, RESOLVED_ONCE_CLIENT_DEFAULTS } from './aws';
import type { NotificationMessage, SnsPort } from './ports';

export class SdkSns implements SnsPort {
  constructor(private readonly clients: RegionalClients<SNSClient> = new RegionalClients((region) => new SNSClient({ region, ...RESOLVED_ONCE_CLIENT_DEFAULTS }))) {}

  async publish(topicArn: string, message: NotificationMessage): Promise<string> {
    // A topic lives in the region its ARN names.
    const region = topicArn.split(':')[3];
    const result = await this.clients.get(region).send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: message.subject,
        Message: message.text,
        MessageAttributes: Object.fromEntries(
          Object.entries(message.attributes).map(([name, value]) => [
            name,
            typeof value === 'number' ? { DataType: 'Number', StringValue: String(value) } : { DataType: 'String', StringValue: value },
          ]),
        ),
      }),
    );
    return result.MessageId ?? '';
  }
}
