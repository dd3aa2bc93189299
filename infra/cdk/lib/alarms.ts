import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * The serverless worker polls until 7 s before its deadline on purpose (@temporalio/lambda-worker's shutdown
 * buffer), so a long duration is normal; one within this margin of the timeout means the graceful shutdown did not
 * finish and the next step is Lambda killing the worker mid-task.
 */
export const DURATION_MARGIN = Duration.seconds(2);

/** Alarms on both functions, each notifying (and clearing on) the alarms topic. */
export class PayopsAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    props: { worker: lambda.Function; ingress: lambda.Function; topic: sns.ITopic },
  ) {
    super(scope, id);
    const { worker, ingress } = props;
    const period = Duration.minutes(5);
    const timeoutMs = worker.timeout!.toMilliseconds() - DURATION_MARGIN.toMilliseconds();
    this.add('WorkerErrors', worker.metricErrors({ period }), 1, 'worker invocations failed (or timed out)');
    this.add('WorkerThrottles', worker.metricThrottles({ period }), 1, 'worker invocations throttled');
    this.add(
      'WorkerDurationNearTimeout',
      worker.metricDuration({ period, statistic: cloudwatch.Stats.MAXIMUM }),
      timeoutMs,
      `worker ran within ${DURATION_MARGIN.toSeconds()} s of its timeout: graceful shutdown did not finish`,
    );
    this.add('IngressErrors', ingress.metricErrors({ period }), 1, 'ingress invocations failed');
    this.add('IngressThrottles', ingress.metricThrottles({ period }), 1, 'ingress throttled: webhooks refused');
    this.add(
      'Ingress5xx',
      ingress.metric('Url5xxCount', { period, statistic: cloudwatch.Stats.SUM }),
      1,
      'ingress answered 5xx: providers will retry, deliveries may be parked',
    );
    const action = new SnsAction(props.topic);
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }

  private add(id: string, metric: cloudwatch.IMetric, threshold: number, description: string): void {
    this.alarms.push(
      new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `payops: ${description}`,
      }),
    );
  }
}
