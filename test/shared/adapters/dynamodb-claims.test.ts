import { documentClient } from '../../../shared/adapters/dynamodb';
import { DynamoTargetClaims, STALE_CLAIM_MS } from '../../../shared/adapters/dynamodb-claims';
import { INCIDENT_TABLE, startDynamo, type LocalDynamo } from '../../support/dynamo';
import { FAKE_CREDENTIALS } from '../../support/fake-aws';

describe('DynamoTargetClaims (against a local DynamoDB)', () => {
  let dynamo: LocalDynamo;
  let claims: DynamoTargetClaims;
  const saved = { ...process.env };
  const key = { incidentId: 'inc-0123456789abcdef', action: 'isolate-pod', target: 'pod web/api-1' };
  const now = new Date('2026-11-24T10:00:00.000Z');

  beforeEach(async () => {
    dynamo = await startDynamo();
    Object.assign(process.env, { AWS_ENDPOINT_URL_DYNAMODB: dynamo.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey });
    claims = new DynamoTargetClaims(documentClient(), INCIDENT_TABLE);
  });
  afterEach(async () => {
    await dynamo.stop();
    process.env = { ...saved };
  });

  it('lets exactly one of many concurrent claimants act', async () => {
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => claims.claim(key, now)));

    expect(outcomes.filter((outcome) => outcome.claimed)).toHaveLength(1);
    expect(outcomes.filter((outcome) => !outcome.claimed)).toEqual(Array(7).fill({ claimed: false, state: 'in-progress', since: now.toISOString(), detail: undefined }));
  });

  it('keeps a done claim with its detail, and releases one that changed nothing', async () => {
    const first = await claims.claim(key, now);
    await claims.settle(key, (first as { token: string }).token, { status: 'failed', detail: 'HTTP 503' }, now);
    const retry = await claims.claim(key, now);
    await claims.settle(key, (retry as { token: string }).token, { status: 'done', detail: 'pod isolated' }, now);

    expect(retry.claimed).toBe(true);
    expect(await claims.claim(key, new Date(now.getTime() + 60_000))).toEqual({ claimed: false, state: 'done', since: now.toISOString(), detail: 'pod isolated' });
    expect(await dynamo.items(INCIDENT_TABLE)).toEqual([expect.objectContaining({ pk: `INCIDENT#${key.incidentId}`, sk: 'TARGET#isolate-pod#pod web/api-1', state: 'done', expiresAt: expect.any(Number) })]);
  });

  it('takes over a claim left by an invocation that died, and ignores the late owner', async () => {
    const dead = await claims.claim(key, now);
    const later = new Date(now.getTime() + STALE_CLAIM_MS + 1000);

    const takeover = await claims.claim(key, later);
    await claims.settle(key, (dead as { token: string }).token, { status: 'failed', detail: 'late' }, later);

    expect(takeover.claimed).toBe(true);
    expect(await claims.claim(key, later)).toMatchObject({ claimed: false, state: 'in-progress', since: later.toISOString() });
  });
});
