/** Amazon SNS (AWS query protocol, XML namespace http://sns.amazonaws.com/doc/2010-03-31/). */
import { randomUUID } from 'node:crypto';
import type { RpcOperation } from './protocol';
import type { FakeAwsState } from './state';

export const SNS_XML_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';

/**
 * The recorded Publish params hold MessageAttributes as a map, decoded from the
 * `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue` form fields.
 */
export const snsOperations: Record<string, RpcOperation<FakeAwsState>> = {
  Publish: {
    kind: 'notify',
    handle: (p) => ({ MessageId: randomUUID(), SequenceNumber: p.MessageGroupId === undefined ? undefined : String(Date.now()) }),
  },
};
