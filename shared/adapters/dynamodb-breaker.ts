import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './dynamodb';
import type { BreakerCounterPort, BreakerScope } from './ports';

const keyOf = (scope: BreakerScope) => ({ pk: `BREAKER#${scope.cluster}`, sk: `${scope.window}#${scope.kind}` });

/**
 * One item per cluster, kind and window holding the set of objects acted on. Adding to the set
 * is conditional on the set staying within the limit (or already holding the member), so
 * concurrent invocations can never admit more than the limit between them.
 */
export class DynamoBreakerCounters implements BreakerCounterPort {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async admit(scope: BreakerScope, member: string, max: number, expiresAt: Date): Promise<{ admitted: boolean; count: number; added: boolean }> {
    if (max <= 0) return { admitted: false, count: 0, added: false };
    try {
      // The set as it was: whether the member was already counted, and so whether a release may take it out.
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keyOf(scope),
          UpdateExpression: 'ADD members :member SET expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(members) OR contains(members, :id) OR size(members) < :max',
          ExpressionAttributeValues: { ':member': new Set([member]), ':id': member, ':max': max, ':expires': Math.floor(expiresAt.getTime() / 1000) },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const before = (Attributes?.members as Set<string> | undefined) ?? new Set<string>();
      const added = !before.has(member);
      return { admitted: true, count: before.size + (added ? 1 : 0), added };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: keyOf(scope), ConsistentRead: true }));
    return { admitted: false, count: (Item?.members as Set<string> | undefined)?.size ?? max, added: false };
  }

  async release(scope: BreakerScope, member: string): Promise<void> {
    await this.client.send(new UpdateCommand({ TableName: this.table, Key: keyOf(scope), UpdateExpression: 'DELETE members :member', ExpressionAttributeValues: { ':member': new Set([member]) } }));
  }
}
