import { randomBytes } from 'node:crypto';
import { BatchWriteCommand, QueryCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { expiresAt } from './dynamodb';
import { withRetry } from './retry';
import type { IncidentLogPort, IncidentRecord, IncidentReportLike, IncidentSummary, TimelineEntry } from './table-ports';

const META = 'META';
/** The most items one BatchWriteItem takes. */
const BATCH_LIMIT = 25;

/** What DynamoDB left unprocessed (throttled) after a batch write: sent again, with backoff. */
class UnprocessedWrites extends Error {}
const partition = (incidentId: string) => `INCIDENT#${incidentId}`;

/** Sort keys order the timeline; the random tail keeps concurrent invocations from overwriting each other. */
function eventKey(at: string, index: number): string {
  return `EVENT#${at}#${String(index).padStart(4, '0')}#${randomBytes(4).toString('hex')}`;
}

function toSummary(item: Record<string, any>): IncidentSummary {
  return {
    incidentId: item.incidentId,
    incidentKey: item.incidentKey,
    cluster: item.cluster ?? null,
    account: item.account,
    region: item.region,
    findingType: item.findingType,
    title: item.title,
    severity: item.severity,
    maxSeverity: item.maxSeverity ?? item.severity,
    sources: [...((item.sources as Set<string> | undefined) ?? [])].sort(),
    findingIds: [...((item.findingIds as Set<string> | undefined) ?? [])].sort(),
    firstSeen: item.firstSeen,
    lastSeen: item.lastSeen,
    deliveries: item.deliveries ?? 0,
    decision: item.decision,
    mode: item.mode,
    reason: item.reason,
    ...(item.policyRule ? { policyRule: item.policyRule } : {}),
    ...(item.urgent ? { urgent: item.urgent } : {}),
  };
}

function toEntry(item: Record<string, any>): TimelineEntry {
  const { pk: _pk, sk: _sk, kind: _kind, expiresAt: _expires, entry, ...rest } = item;
  return { ...rest, kind: entry } as TimelineEntry;
}

/**
 * The incident log in the incident table: one `META` item per incident (upserted by every
 * delivery: sources and finding ids seen, first and last seen, the latest decision), and one
 * `EVENT#…` item per delivery and per action, with the action's before-state.
 */
export class DynamoIncidentLog implements IncidentLogPort {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(report: IncidentReportLike, now: Date, options: { duplicate?: boolean } = {}): Promise<void> {
    try {
      await this.write(report, now, options);
    } catch (error) {
      throw new Error(`cannot write incident ${report.incidentId} to table ${this.table}: ${(error as Error).message}`, { cause: error });
    }
  }

  private async write(report: IncidentReportLike, now: Date, options: { duplicate?: boolean }): Promise<void> {
    const at = now.toISOString();
    const ttl = expiresAt(now);
    const meta = this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: partition(report.incidentId), sk: META },
        UpdateExpression: [
          // What the incident is comes from its first delivery; what was last done, from the latest (a release included).
          'SET kind = :kind, incidentId = :id, incidentKey = if_not_exists(incidentKey, :key), #cluster = :cluster, account = :account, #region = :region',
          'findingType = if_not_exists(findingType, :type), title = if_not_exists(title, :title), severity = :severity, lastSeen = :now, decision = :decision, #mode = :mode, reason = :reason',
          'firstSeen = if_not_exists(firstSeen, :now), expiresAt = :ttl',
          ...(report.policyRule ? ['policyRule = :rule'] : []),
          ...(report.urgent ? ['urgent = :urgent'] : []),
        ].join(', ') + ' ADD sources :source, findingIds :finding, deliveries :one',
        ExpressionAttributeNames: { '#cluster': 'cluster', '#region': 'region', '#mode': 'mode' },
        ExpressionAttributeValues: {
          ':kind': 'incident',
          ':id': report.incidentId,
          ':key': report.incidentKey,
          ':cluster': report.cluster,
          ':account': report.account,
          ':region': report.region,
          ':type': report.findingType,
          ':title': report.title,
          ':severity': report.severity,
          ':now': at,
          ':decision': report.decision,
          ':mode': report.mode,
          ':reason': report.reason,
          ':ttl': ttl,
          ':source': new Set([report.source]),
          ':finding': new Set([report.findingId]),
          ':one': 1,
          ...(report.policyRule ? { ':rule': report.policyRule } : {}),
          ...(report.urgent ? { ':urgent': report.urgent } : {}),
        },
      }),
    );
    const common = { source: report.source, findingId: report.findingId, at };
    const delivery: TimelineEntry = { ...common, kind: 'delivery', decision: report.decision, mode: report.mode, reason: report.reason, ...(options.duplicate ? { duplicate: true } : {}) };
    const actions: TimelineEntry[] = options.duplicate
      ? []
      : report.actions.map((action) => ({ ...common, kind: 'action', action: action.action, target: action.target, status: action.status, detail: action.detail, before: action.before, durationMs: action.durationMs }));
    const items = [delivery, ...actions].map(({ kind, ...entry }, index) => ({ pk: partition(report.incidentId), sk: eventKey(at, index), kind: 'event', entry: kind, ...entry, expiresAt: ttl }));
    const writes = Array.from({ length: Math.ceil(items.length / BATCH_LIMIT) }, (_, batch) => this.putAll(items.slice(batch * BATCH_LIMIT, (batch + 1) * BATCH_LIMIT)));
    // The highest severity seen, raised only upwards: a conditional write of its own, alongside
    // the others (refused when not higher; it may land before the META item's other attributes).
    const maxSeverity = this.client
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: partition(report.incidentId), sk: META },
          UpdateExpression: 'SET maxSeverity = :severity',
          ConditionExpression: 'attribute_not_exists(maxSeverity) OR maxSeverity < :severity',
          ExpressionAttributeValues: { ':severity': report.severity },
        }),
      )
      .catch((error: Error) => {
        if (error.name !== 'ConditionalCheckFailedException') throw error;
      });
    await Promise.all([meta, maxSeverity, ...writes]);
  }

  /** New items, in one BatchWriteItem (at most BATCH_LIMIT); what comes back unprocessed is sent again. */
  private async putAll(items: Record<string, unknown>[]): Promise<void> {
    let pending = items.map((Item) => ({ PutRequest: { Item } }));
    await withRetry(
      async () => {
        const { UnprocessedItems } = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
        pending = (UnprocessedItems?.[this.table] ?? []) as typeof pending;
        if (pending.length) throw new UnprocessedWrites(`${pending.length} timeline items left unprocessed`);
      },
      (error) => error instanceof UnprocessedWrites,
    );
  }

  async get(incidentId: string): Promise<IncidentRecord | undefined> {
    const items: Record<string, any>[] = [];
    let start: Record<string, any> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({ TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': partition(incidentId) }, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const meta = items.find((item) => item.sk === META);
    if (!meta) return undefined;
    return { ...toSummary(meta), timeline: items.filter((item) => item.kind === 'event').map(toEntry) };
  }

  /** A scan: the incident table holds few incidents, and listing is a person's occasional question. */
  async list(filter: { cluster?: string; since?: Date }): Promise<IncidentSummary[]> {
    const conditions = ['sk = :meta', ...(filter.since ? ['lastSeen >= :since'] : []), ...(filter.cluster ? ['#cluster = :cluster'] : [])];
    const items: Record<string, any>[] = [];
    let start: Record<string, any> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: conditions.join(' AND '),
          ...(filter.cluster ? { ExpressionAttributeNames: { '#cluster': 'cluster' } } : {}),
          ExpressionAttributeValues: { ':meta': META, ...(filter.since ? { ':since': filter.since.toISOString() } : {}), ...(filter.cluster ? { ':cluster': filter.cluster } : {}) },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items.map(toSummary).sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
  }
}
