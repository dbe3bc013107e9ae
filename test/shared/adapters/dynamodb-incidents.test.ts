// The incident log's timeline items go in batches (BatchWriteItem takes at most 25); what DynamoDB
// leaves unprocessed under throttling, which the local DynamoDB never does, is sent again. The
// real SDK client, intercepted by aws-sdk-client-mock.
import { BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoIncidentLog } from '../../../shared/adapters/dynamodb-incidents';
import { incidentReport } from '../../helpers/reports';

const TABLE = 'eks-responder-incidents';

const report = (actions: number) =>
  incidentReport({ actions: Array.from({ length: actions }, (_, index) => ({ action: 'isolate-pod', target: `pod web/api-${index}`, status: 'done' as const, detail: 'isolated' })) });

describe('incident log timeline writes', () => {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } }));
  const mock = mockClient(client);
  beforeEach(() => {
    mock.reset();
    mock.on(UpdateCommand).resolves({});
  });
  afterAll(() => mock.restore());

  const batches = () => mock.commandCalls(BatchWriteCommand).map((call) => call.args[0].input.RequestItems?.[TABLE] ?? []);

  it('writes the delivery and every action in batches of at most 25 items', async () => {
    mock.on(BatchWriteCommand).resolves({});

    await new DynamoIncidentLog(client, TABLE).record(report(30), new Date('2026-11-24T10:00:00Z'));

    expect(batches().map((batch) => batch.length)).toEqual([25, 6]);
    const entries = batches().flat().map((request) => request.PutRequest?.Item);
    expect(entries.filter((item) => item?.entry === 'action')).toHaveLength(30);
    expect(entries.filter((item) => item?.entry === 'delivery')).toHaveLength(1);
    expect(new Set(entries.map((item) => item?.sk)).size).toBe(31);
  });

  it('sends again what a batch left unprocessed, until none is left', async () => {
    let unprocessed: unknown[] = [];
    mock.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => {
      // The first answer leaves the last two items unprocessed, as DynamoDB does when throttled.
      const sent = input.RequestItems[TABLE];
      unprocessed = mock.commandCalls(BatchWriteCommand).length === 1 ? sent.slice(-2) : [];
      return { UnprocessedItems: unprocessed.length ? { [TABLE]: unprocessed } : {} };
    });

    await new DynamoIncidentLog(client, TABLE).record(report(3), new Date('2026-11-24T10:00:00Z'));

    expect(batches().map((batch) => batch.length)).toEqual([4, 2]);
    expect(batches()[1]).toEqual(batches()[0].slice(-2));
  });
});
