import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { expiresAt, isConditionFailure } from './dynamodb';
import type { ClaimOutcome, TargetClaimPort, TargetKey } from './ports';

/** A claim older than the longest Lambda run was left by an invocation that died: it may be taken over. */
export const STALE_CLAIM_MS = 15 * 60_000;

const keyOf = (key: TargetKey) => ({ pk: `INCIDENT#${key.incidentId}`, sk: `TARGET#${key.action}#${key.target}` });

export class DynamoTargetClaims implements TargetClaimPort {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async claim(key: TargetKey, now: Date): Promise<ClaimOutcome> {
    const token = randomUUID();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keyOf(key), kind: 'claim', state: 'in-progress', token, since: now.toISOString(), action: key.action, target: key.target, expiresAt: expiresAt(now) },
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :progress AND #since < :stale)',
          ExpressionAttributeNames: { '#state': 'state', '#since': 'since' },
          ExpressionAttributeValues: { ':progress': 'in-progress', ':stale': new Date(now.getTime() - STALE_CLAIM_MS).toISOString() },
        }),
      );
      return { claimed: true, token };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: keyOf(key), ConsistentRead: true }));
    // Released between our write and our read: the caller treats it as in progress and a retry acts.
    return { claimed: false, state: Item?.state === 'done' ? 'done' : 'in-progress', since: String(Item?.since ?? now.toISOString()), detail: Item?.detail };
  }

  async settle(key: TargetKey, token: string, result: { status: 'done' | 'skipped' | 'failed'; detail: string }, now: Date): Promise<void> {
    const mine = { ConditionExpression: '#token = :token', ExpressionAttributeNames: { '#token': 'token' } };
    try {
      if (result.status === 'done') {
        await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: keyOf(key),
            UpdateExpression: 'SET #state = :done, #since = :now, detail = :detail',
            ...mine,
            ExpressionAttributeNames: { ...mine.ExpressionAttributeNames, '#state': 'state', '#since': 'since' },
            ExpressionAttributeValues: { ':token': token, ':done': 'done', ':now': now.toISOString(), ':detail': result.detail },
          }),
        );
      } else {
        // Nothing changed: release the claim so a retry (or a later delivery) may act.
        await this.client.send(new DeleteCommand({ TableName: this.table, Key: keyOf(key), ...mine, ExpressionAttributeValues: { ':token': token } }));
      }
    } catch (error) {
      // Taken over after going stale: the newer claim owns the record now.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async forget(key: TargetKey): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: keyOf(key) }));
  }
}
