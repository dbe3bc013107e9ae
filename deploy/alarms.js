'use strict';

/**
 * An Errors and a Throttles alarm per function of serverless.yml, generated at package time so a
 * function added later is watched too; read by serverless.yml through
 * `${file(./deploy/alarms.js):resources}`. Alarms on the queues and the circuit breaker are
 * written out in serverless.yml itself. Every alarm notifies the incident topic.
 */
const { logicalName, serviceFunctions } = require('./functions');

/** An alarm that fires on the first datapoint above zero and tells the topic when it clears. */
function alarm({ name, description, namespace, metric, dimensions, statistic }) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: name,
      AlarmDescription: description,
      Namespace: namespace,
      MetricName: metric,
      Dimensions: dimensions,
      Statistic: statistic,
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      // No datapoint means no invocation, hence no error.
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: 'NotifyTopic' }],
      OKActions: [{ Ref: 'NotifyTopic' }],
    },
  };
}

async function resources(context) {
  const [functions, service, stage] = await Promise.all([
    serviceFunctions(context),
    context.resolveVariable('self:service'),
    context.resolveVariable('sls:stage'),
  ]);
  const Resources = {};
  for (const fn of functions) {
    const dimensions = [{ Name: 'FunctionName', Value: { Ref: fn.functionId } }];
    Resources[`${logicalName(fn.name)}ErrorsAlarm`] = alarm({
      name: `${service}-${stage}-${fn.name}-errors`,
      description: `${fn.name} failed an invocation (bad input, or an action failed and will be retried); see its logs`,
      namespace: 'AWS/Lambda',
      metric: 'Errors',
      dimensions,
      statistic: 'Sum',
    });
    Resources[`${logicalName(fn.name)}ThrottlesAlarm`] = alarm({
      name: `${service}-${stage}-${fn.name}-throttles`,
      description: `${fn.name} was throttled: events arrive faster than its reserved concurrency handles them`,
      namespace: 'AWS/Lambda',
      metric: 'Throttles',
      dimensions,
      statistic: 'Sum',
    });
  }
  return { Resources };
}

module.exports = { alarm, resources };
