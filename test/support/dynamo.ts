// A local DynamoDB (dynalite, in-process, in memory) with the responder's tables, created with the
// keys and TTL attributes the deployment gives them. The real SDK reaches it through
// AWS_ENDPOINT_URL_DYNAMODB, so Powertools idempotency and our adapters run unchanged.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { INCIDENT_TABLE_KEYS } from '../../shared/adapters/dynamodb';
import { FAKE_CREDENTIALS } from './fake-aws';
import { roundTrip } from './latency';

// dynalite ships no types; the factory returns a plain Node HTTP server.
const dynalite = require('dynalite') as (options: Record<string, number>) => Server;

export const INCIDENT_TABLE = 'eks-responder-incidents';
export const IDEMPOTENCY_TABLE = 'eks-responder-idempotency';

export interface LocalDynamo {
  url: string;
  /** INCIDENT_TABLE, IDEMPOTENCY_TABLE and AWS_ENDPOINT_URL_DYNAMODB. */
  env: Record<string, string>;
  /** Every request the tables received, in order: `DynamoDB_20120810.PutItem` as `PutItem`, with its table, status and timings. */
  calls: DynamoCall[];
  /** Every item of a table, unmarshalled. */
  items(table: string): Promise<Record<string, any>[]>;
  stop(): Promise<void>;
}

export interface DynamoCall {
  table: string;
  operation: string;
  /** The sort key of the item written or read, when the request names one (`Key`, `Item`, a batch's first item). */
  sortKey?: string;
  /** Epoch milliseconds, as the other local servers record them. */
  startedAt: number;
  endedAt: number;
  status: number;
}

const now = (): number => performance.timeOrigin + performance.now();

/** `latencyMs`: the simulated network latency of every answer (see latency.ts). */
export async function startDynamo(options: { latencyMs?: number } = {}): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const calls: LocalDynamo['calls'] = [];
  // dynalite's handler answers behind the simulated latency; the request is recorded alongside.
  const [serve] = server.listeners('request') as ((request: IncomingMessage, response: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const call: DynamoCall = { table: '', operation: String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? '', startedAt: now(), endedAt: 0, status: 0 };
    calls.push(call);
    const trip = roundTrip(options.latencyMs ?? 0);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        type Keyed = { sk?: { S?: string } };
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { TableName?: string; Key?: Keyed; Item?: Keyed; RequestItems?: Record<string, { PutRequest?: { Item?: Keyed } }[]> };
        // A batch names its table in RequestItems (the responder's batches write one table).
        const [batchTable, batch] = Object.entries(body.RequestItems ?? {})[0] ?? [];
        call.table = String(body.TableName ?? batchTable ?? '');
        call.sortKey = body.Key?.sk?.S ?? body.Item?.sk?.S ?? batch?.[0]?.PutRequest?.Item?.sk?.S;
      } catch {
        // Not JSON: no table to record.
      }
    });
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
    response.end = ((...args: unknown[]) => {
      void trip.back().then(() => {
        call.status = response.statusCode;
        call.endedAt = now();
        end(...args);
      });
      return response;
    }) as ServerResponse['end'];
    // Served at once (dynalite reads the body as it streams in), answered a full latency after arrival.
    serve(request, response);
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
