import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConcurrentDeliveryError } from '../errors';
import { SDK_CLIENT_DEFAULTS } from './aws';
import type { DeliveryDedupPort } from './ports';

/** Identical deliveries within this time get the stored report; later ones run again (and the markers make that a no-op). */
export const DEDUP_WINDOW_SECONDS = 24 * 3600;
/** Without the Lambda context, how long an in-progress record blocks a duplicate before it may take over. */
export const DEFAULT_IN_PROGRESS_MS = 5 * 60_000;

const DUPLICATE = '__eksResponderDuplicate';

/** Work whose result must not be stored: thrown through Powertools, which then drops the record. */
class UnsavedResult<T> extends Error {
  constructor(readonly result: T) {
    super('result not stored');
  }
}

/**
 * Delivery deduplication with Powertools idempotency over a DynamoDB table (key `id`, TTL
 * `expiration`). The key is what identifies one delivery's content, hashed by Powertools.
 */
export class PowertoolsDeliveryDedup implements DeliveryDedupPort {
  private readonly config: IdempotencyConfig;
  private readonly run: (input: { key: Record<string, unknown> }, work: () => Promise<object>) => Promise<object>;

  constructor(tableName: string) {
    this.config = new IdempotencyConfig({
      eventKeyJmesPath: 'key',
      expiresAfterSeconds: DEDUP_WINDOW_SECONDS,
      throwOnNoIdempotencyKey: true,
      // Only stored results pass through the hook: that is how a duplicate is told apart.
      responseHook: (response) => ({ ...(response as object), [DUPLICATE]: true }),
    });
    const persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: new DynamoDBClient({ ...SDK_CLIENT_DEFAULTS }) });
    this.run = makeIdempotent(async (_input: { key: Record<string, unknown> }, work: () => Promise<object>) => work(), { persistenceStore, config: this.config });
  }

  async once<T extends object>(key: Record<string, unknown>, work: () => Promise<T>, options: { store: (result: T) => boolean; remainingTimeMs?: number }): Promise<{ result: T; duplicate: boolean }> {
    const remaining = options.remainingTimeMs ?? DEFAULT_IN_PROGRESS_MS;
    this.config.registerLambdaContext({ getRemainingTimeInMillis: () => remaining } as never);
    const storable = async () => {
      const result = await work();
      if (!options.store(result)) throw new UnsavedResult(result);
      return result;
    };
    try {
      const output = (await this.run({ key }, storable)) as T & { [DUPLICATE]?: boolean };
      const { [DUPLICATE]: duplicate, ...result } = output;
      return { result: result as T, duplicate: duplicate === true };
    } catch (error) {
      if (error instanceof UnsavedResult) return { result: error.result as T, duplicate: false };
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new ConcurrentDeliveryError('the same delivery is being handled by another invocation; retry later', { cause: error });
      }
      throw error;
    }
  }
}
