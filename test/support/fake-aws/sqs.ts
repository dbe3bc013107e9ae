/**
 * Amazon SQS (AWS JSON 1.0, `X-Amz-Target: AmazonSQS.<Operation>`, query-compatible errors).
 * Standard queues only: no FIFO, no long polling (WaitTimeSeconds returns at once), no delay.
 * Queues are named by the `/<account>/<name>` path of their URL, so any host reaching the fake works.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AwsError, type RpcOperation } from './protocol';
import type { FakeAwsState } from './state';

export interface SqsMessageAttribute {
  DataType: string;
  StringValue?: string;
}

export interface SqsMessageState {
  messageId: string;
  body: string;
  messageAttributes: Record<string, SqsMessageAttribute>;
  sentAt: number;
  receiveCount: number;
  /** Epoch milliseconds before which ReceiveMessage skips the message. */
  invisibleUntil: number;
  /** The handle of the latest receive; only it deletes the message or changes its visibility. */
  receiptHandle?: string;
}

export interface SqsQueueState {
  name: string;
  url: string;
  /** Default visibility timeout in seconds. */
  visibilityTimeout: number;
  messages: SqsMessageState[];
}

const queueKey = (url: string): string => new URL(url).pathname.replace(/^\/+|\/+$/g, '');

export class SqsState {
  readonly queues = new Map<string, SqsQueueState>();

  addQueue(name: string, url: string, visibilityTimeout = 30): SqsQueueState {
    const queue: SqsQueueState = { name, url, visibilityTimeout, messages: [] };
    this.queues.set(queueKey(url), queue);
    return queue;
  }

  queue(url: unknown): SqsQueueState {
    let key = '';
    try {
      key = queueKey(String(url ?? ''));
    } catch {
      // Not a URL: no such queue.
    }
    const queue = this.queues.get(key);
    if (!queue) throw new AwsError(400, 'QueueDoesNotExist', 'The specified queue does not exist.');
    return queue;
  }

  send(url: string, body: string, messageAttributes: Record<string, SqsMessageAttribute> = {}): SqsMessageState {
    const message: SqsMessageState = { messageId: randomUUID(), body, messageAttributes, sentAt: Date.now(), receiveCount: 0, invisibleUntil: 0 };
    this.queue(url).messages.push(message);
    return message;
  }
}

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

function byReceiptHandle(queue: SqsQueueState, handle: unknown): SqsMessageState {
  const message = queue.messages.find((item) => item.receiptHandle !== undefined && item.receiptHandle === handle);
  if (!message) throw new AwsError(400, 'ReceiptHandleIsInvalid', `The input receipt handle "${String(handle)}" is not a valid receipt handle.`);
  return message;
}

export const sqsOperations: Record<string, RpcOperation<FakeAwsState>> = {
  SendMessage: {
    kind: 'write',
    handle: (p, state) => {
      const body = String(p.MessageBody ?? '');
      const message = state.sqs.send(String(p.QueueUrl ?? ''), body, (p.MessageAttributes ?? {}) as Record<string, SqsMessageAttribute>);
      return { MessageId: message.messageId, MD5OfMessageBody: md5(body) };
    },
  },
  /** Marks what it returns in flight for VisibilityTimeout seconds (the queue default when absent). */
  ReceiveMessage: {
    kind: 'read',
    handle: (p, state) => {
      const queue = state.sqs.queue(p.QueueUrl);
      const max = Number(p.MaxNumberOfMessages ?? 1);
      if (!Number.isInteger(max) || max < 1 || max > 10) throw new AwsError(400, 'InvalidParameterValue', 'Value for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10.');
      const visibility = Number(p.VisibilityTimeout ?? queue.visibilityTimeout);
      const now = Date.now();
      const wantedAttributes = [...((p.MessageSystemAttributeNames ?? []) as string[]), ...((p.AttributeNames ?? []) as string[])];
      const wantedMessageAttributes = (p.MessageAttributeNames ?? []) as string[];
      const messages = queue.messages.filter((message) => message.invisibleUntil <= now).slice(0, max);
      for (const message of messages) {
        message.receiveCount += 1;
        message.invisibleUntil = now + visibility * 1000;
        message.receiptHandle = `${message.messageId}#${randomUUID()}`;
      }
      if (messages.length === 0) return {};
      return {
        Messages: messages.map((message) => {
          const attributes: Record<string, string> = { ApproximateReceiveCount: String(message.receiveCount), SentTimestamp: String(message.sentAt) };
          const all = wantedAttributes.includes('All');
          const messageAttributes = Object.entries(message.messageAttributes).filter(([name]) => wantedMessageAttributes.includes('All') || wantedMessageAttributes.includes(name));
          return {
            MessageId: message.messageId,
            ReceiptHandle: message.receiptHandle,
            MD5OfBody: md5(message.body),
            Body: message.body,
            ...(wantedAttributes.length ? { Attributes: Object.fromEntries(Object.entries(attributes).filter(([name]) => all || wantedAttributes.includes(name))) } : {}),
            ...(messageAttributes.length ? { MessageAttributes: Object.fromEntries(messageAttributes) } : {}),
          };
        }),
      };
    },
  },
  DeleteMessage: {
    kind: 'write',
    handle: (p, state) => {
      const queue = state.sqs.queue(p.QueueUrl);
      const message = byReceiptHandle(queue, p.ReceiptHandle);
      queue.messages.splice(queue.messages.indexOf(message), 1);
      return undefined;
    },
  },
  /** Changes only when the message is seen again, not the message or the queue: recorded as a read. */
  ChangeMessageVisibility: {
    kind: 'read',
    handle: (p, state) => {
      const message = byReceiptHandle(state.sqs.queue(p.QueueUrl), p.ReceiptHandle);
      message.invisibleUntil = Date.now() + Number(p.VisibilityTimeout ?? 0) * 1000;
      return undefined;
    },
  },
};
