// A local DynamoDB (dynalite, in-process, in memory) with the responder's tables, created with the
// keys and TTL attributes the deployment gives them. The real SDK reaches it through
// AWS_ENDPOINT_URL_DYNAMODB, so Powertools idempotency and our adapters run unchanged.
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { INCIDENT_TABLE_KEYS } from '../../shared/adapters/dynamodb';
import { FAKE_CREDENTIALS } from './fake-aws';

// dynalite ships no types; the factory returns a plain Node HTTP server.
const dynalite = require('dynalite') as (options: Record<string, number>) => Server;

export const INCIDENT_TABLE = 'eks-responder-incidents';
export const IDEMPOTENCY_TABLE = 'eks-responder-idempotency';

export interface LocalDynamo {
  url: string;
  /** INCIDENT_TABLE, IDEMPOTENCY_TABLE and AWS_ENDPOINT_URL_DYNAMODB. */
  env: Record<string, string>;
  /** Every request the tables received, in order: `DynamoDB_20120810.PutItem` as `PutItem`, with its table. */
  calls: { table: string; operation: string }[];
  /** Every item of a table, unmarshalled. */
  items(table: string): Promise<Record<string, any>[]>;
  stop(): Promise<void>;
}

export async function startDynamo(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const calls: LocalDynamo['calls'] = [];
  // Listening alongside dynalite's own handler: both read the same request body.
  server.on('request', (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const operation = String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const table = (() => {
        try {
          return String(JSON.parse(Buffer.concat(chunks).toString('utf8')).TableName ?? '');
        } catch {
          return '';
        }
      })();
      calls.push({ table, operation });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint: url, region: 'us-east-1', credentials: FAKE_CREDENTIALS });
  const { partition, sort, ttl } = INCIDENT_TABLE_KEYS;
  await client.send(
    new CreateTableCommand({
      TableName: INCIDENT_TABLE,
      AttributeDefinitions: [
        { AttributeName: partition, AttributeType: 'S' },
        { AttributeName: sort, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: partition, KeyType: 'HASH' },
        { AttributeName: sort, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  // Powertools idempotency's documented table: partition key `id`, TTL attribute `expiration`.
  await client.send(new CreateTableCommand({ TableName: IDEMPOTENCY_TABLE, AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
  await client.send(new UpdateTimeToLiveCommand({ TableName: INCIDENT_TABLE, TimeToLiveSpecification: { AttributeName: ttl, Enabled: true } })).catch(() => undefined);
  return {
    url,
    env: { INCIDENT_TABLE, IDEMPOTENCY_TABLE, AWS_ENDPOINT_URL_DYNAMODB: url },
    calls,
    async items(table) {
      const { Items = [] } = await DynamoDBDocumentClient.from(client).send(new ScanCommand({ TableName: table, ConsistentRead: true }));
      return Items;
    },
    async stop() {
      client.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // SDK clients keep connections alive; drop them so close() does not wait for their idle timeout.
        (server as Server & { closeAllConnections(): void }).closeAllConnections();
      });
    },
  };
}
