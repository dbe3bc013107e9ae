// Checks the alarms of a packaged template: failed events waiting in a queue, function errors and
// throttles, the circuit breaker; every alarm notifies the (customer-key encrypted) topic, and
// CloudWatch may use that key for these alarms only. template.test.ts packages the template.
import { METRIC_NAMES, METRICS_NAMESPACE, METRICS_SERVICE } from '../../shared/metrics';
import { ACCOUNT, REGION, covers, ofType, resolve, type Json, type Template } from './cloudformation';

export function describeAlarms(template: () => Template): void {
  let t: Template;
  let alarms: { id: string; properties: Json }[];
  beforeAll(() => {
    t = template();
    alarms = ofType(t, 'AWS::CloudWatch::Alarm').map(([id, alarm]) => ({ id, properties: resolve(t, alarm.Properties) }));
  });
  const watching = (namespace: string, metric: string, dimension: string, value: string) =>
    alarms.filter(({ properties: p }) => p.Namespace === namespace && p.MetricName === metric && p.Dimensions.some((d: Json) => d.Name === dimension && d.Value === value));
  const firesOnFirst = { Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' };

  it('alarms as soon as a failed event waits in any queue', () => {
    const queues = ofType(t, 'AWS::SQS::Queue').map(([id]) => id);
    expect(queues.length).toBeGreaterThan(0);
    for (const queue of queues) {
      const found = watching('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', `getatt:${queue}.QueueName`);
      expect({ queue, alarms: found.length }).toEqual({ queue, alarms: 1 });
      expect(found[0].properties).toMatchObject({ ...firesOnFirst, Statistic: 'Maximum' });
    }
  });

  it('alarms on errors and throttles of every function', () => {
    const functions = ofType(t, 'AWS::Lambda::Function').map(([id]) => id);
    for (const fn of functions) {
      for (const metric of ['Errors', 'Throttles']) {
        const found = watching('AWS/Lambda', metric, 'FunctionName', `ref:${fn}`);
        expect({ fn, metric, alarms: found.length }).toEqual({ fn, metric, alarms: 1 });
        expect(found[0].properties).toMatchObject({ ...firesOnFirst, Statistic: 'Sum', Period: 60 });
      }
    }
  });

  it('alarms when the circuit breaker opens, on the metric the functions emit', () => {
    const found = watching(METRICS_NAMESPACE, METRIC_NAMES.circuitOpen, 'service', METRICS_SERVICE);
    expect(found).toHaveLength(1);
    expect(found[0].properties).toMatchObject({ ...firesOnFirst, Statistic: 'Sum', Dimensions: [{ Name: 'service', Value: METRICS_SERVICE }] });
  });

  it('notifies the topic when an alarm fires and when it clears, under names the stage owns', () => {
    expect(alarms.length).toBe(2 + 2 * ofType(t, 'AWS::Lambda::Function').length + 1);
    for (const { id, properties } of alarms) {
      expect({ id, actions: properties.AlarmActions, ok: properties.OKActions }).toEqual({ id, actions: ['ref:NotifyTopic'], ok: ['ref:NotifyTopic'] });
      expect(properties.AlarmName).toMatch(/^eks-responder-dev-[A-Za-z-]+$/);
    }
    expect(new Set(alarms.map(({ properties }) => properties.AlarmName)).size).toBe(alarms.length);
  });

  it('lets CloudWatch use the topic key for these alarms only, and rotates it', () => {
    const key = t.Resources.NotifyTopicKey;
    expect(key).toMatchObject({ Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } });
    const statements = resolve(t, key.Properties.KeyPolicy.Statement) as Json[];
    expect(statements.map((statement) => statement.Principal)).toEqual([{ AWS: `arn:aws:iam::${ACCOUNT}:root` }, { Service: 'cloudwatch.amazonaws.com' }]);
    const cloudwatch = statements[1];
    expect(cloudwatch).toMatchObject({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } });
    const pattern = cloudwatch.Condition.ArnLike['aws:SourceArn'];
    for (const { properties } of alarms) expect(covers(pattern, `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${properties.AlarmName}`)).toBe(true);
    expect(covers(pattern, `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:someone-elses-alarm`)).toBe(false);
  });
}
