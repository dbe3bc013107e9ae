import type { ResponderConfig } from '../config';
import { lazyPort, onDemand, preparePort } from './lazy-port';
import type { Adapters } from './ports';

type TableAdapters = Pick<Adapters, 'claims' | 'dedup' | 'breaker' | 'incidentLog'>;

/**
 * The DynamoDB-backed adapters, for the tables that are configured. Their modules (the DynamoDB
 * client, Powertools idempotency) load on first use: a deployment without the tables never loads
 * them, one with them does not load them with the function. `load` loads the adapters (modules and
 * clients) ahead of the first call; undefined without tables.
 */
export function tableAdapters(config: ResponderConfig): { adapters: TableAdapters; load?: () => Promise<unknown> } {
  const adapters: TableAdapters = {};
  const table = config.incidentTable;
  if (table) {
    const client = onDemand(async () => (await import('./dynamodb')).documentClient());
    adapters.claims = lazyPort(async () => new (await import('./dynamodb-claims')).DynamoTargetClaims(await client(), table));
    adapters.breaker = lazyPort(async () => new (await import('./dynamodb-breaker')).DynamoBreakerCounters(await client(), table));
    adapters.incidentLog = lazyPort(async () => new (await import('./dynamodb-incidents')).DynamoIncidentLog(await client(), table));
  }
  const idempotencyTable = config.idempotencyTable;
  if (idempotencyTable) {
    adapters.dedup = lazyPort(async () => new (await import('./delivery-dedup')).PowertoolsDeliveryDedup(idempotencyTable));
  }
  const ports = Object.values(adapters);
  return { adapters, load: ports.length ? () => Promise.all(ports.map(preparePort)) : undefined };
}
