import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SDK_CLIENT_DEFAULTS } from './aws';

/**
 * The incident table's layout, shared by the adapters here and by the tests that create the
 * table: one partition per incident (`INCIDENT#<id>`: the incident, its timeline and its
 * per-target claims) and per cluster for the circuit breaker (`BREAKER#<cluster>`). Items
 * expire through the TTL attribute.
 */
export const INCIDENT_TABLE_KEYS = { partition: 'pk', sort: 'sk', ttl: 'expiresAt' } as const;

/** How long incident records, claims and timelines are kept. */
export const RETENTION_DAYS = 365;

export function expiresAt(now: Date, days = RETENTION_DAYS): number {
  return Math.floor(now.getTime() / 1000) + days * 86_400;
}

export function documentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ ...SDK_CLIENT_DEFAULTS }), { marshallOptions: { removeUndefinedValues: true } });
}

export function isConditionFailure(error: unknown): boolean {
  return (error as Error)?.name === 'ConditionalCheckFailedException';
}
