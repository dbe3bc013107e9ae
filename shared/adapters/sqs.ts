import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { RESOLVED_ONCE_CLIENT_DEFAULTS } from './aws';
import type { QueuePort, ReceivedMessage } from './ports';

/** The region a queue URL names (https://sqs.eu-west-1.amazonaws.com/..., or the legacy eu-west-1.queue.amazonaws.com). */
export function regionOfQueueUrl(url: string): string | undefined {
  const host = new URL(url).hostname;
  return host.match(/^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/)?.[1] ?? host.match(/^([a-z0-9-]+)\.queue\.amazonaws\.com(\.cn)?$/)?.[1];
}

export class SdkQueue implements QueuePort {
  private readonly client: SQSClient;

  constructor(
    readonly url: string,
    defaultRegion?: string,
  ) {
    // A queue answers in its own region, whatever the environment's default.
    this.client = new SQSClient({ region: regionOfQueueUrl(url) ?? defaultRegion, ...RESOLVED_ONCE_CLIENT_DEFAULTS });
  }

  async receive(max: number, hideSeconds: number): Promise<ReceivedMessage[]> {
    const { Messages = [] } = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.url,
        MaxNumberOfMessages: Math.min(10, Math.max(1, max)),
        VisibilityTimeout: hideSeconds,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        MessageAttributeNames: ['All'],
      }),
    );
    return Messages.map((message) => ({
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      attributes: Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).flatMap(([name, value]) => (value.StringValue === undefined ? [] : [[name, value.StringValue]]))),
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    }));
  }

  async delete(message: ReceivedMessage): Promise<void> {
    await this.client.send(new DeleteMessageCommand({ QueueUrl: this.url, ReceiptHandle: message.receiptHandle }));
  }

  async release(message: ReceivedMessage): Promise<void> {
    await this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.url, ReceiptHandle: message.receiptHandle, VisibilityTimeout: 0 }));
  }
}
