import type { ResponderConfig } from '../config';
import { lazyPort, onDemand } from './lazy-port';
import type { Adapters } from './ports';

type TableAdapters = Pick<Adapters, 'claims' | 'dedup' | 'breaker' | 'incidentLog'>;

/**
 * The DynamoDB-backed adapters, for the tables that are configured. Their modules (the DynamoDB
 * client, Powertools idempotency) load on first use: a deployment without the tables never loads
 * them, one with them does not load them with the function. `load` loads what the tables need
 * ahead of the first call; undefined without tables.
 */
export function tableAdapters(config: ResponderConfig): { adapters: TableAdapters; load?: () => Promise<unknown> } {
  const adapters: TableAdapters = {};
  const loads: (() => Promise<unknown>)[] = [];
  const table = config.incidentTable;
  if (table) {
    const client = onDemand(async () => (await import('./dynamodb')).documentClient());
    loads.push(client);
    adapters.claims = lazyPort(async () => new (await import('./dynamodb-claims')).DynamoTargetClaims(await client(), table));
    adapters.breaker = lazyPort(async () => new (await import('./dynamodb-breaker')).DynamoBreakerCounters(await client(), table));
    adapters.incidentLog = lazyPort(async () => new (await import('./dynamodb-incidents')).DynamoIncidentLog(await client(), table));
  }
  const idempotencyTable = config.idempotencyTable;
  if (idempotencyTable) {
    const dedup = onDemand(async () => new (await import('./delivery-dedup')).PowertoolsDeliveryDedup(idempotencyTable));
    loads.push(dedup);
    adapters.dedup = lazyPort(dedup);
  }
  return { adapters, load: loads.length ? () => Promise.all(loads.map((load) => load())) : undefined };
}
