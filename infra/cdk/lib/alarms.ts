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

/**
 * Stuck-work alarms: the sweeper's counts (`payops.stuck.<category>` in namespace `payops`, dimensions Category and
 * Stage, written as embedded-metric log lines, so no metric filter is needed), alarming when a count exceeds what
 * is tolerated. They mirror the sweeper's default notice thresholds (`workflows/sweeper/contract.ts`): a person
 * overdue, a payment unconfirmed past its deadline or a run past a day is news at once; some retrying is normal.
 * Parked payouts (KYC, compliance) are business as usual and are not alarmed on.
 */
export const STUCK_ALARMS = [
  { category: 'overdue_person', above: 0, id: 'StuckOverduePerson', what: 'work waits on a person past its deadline' },
  {
    category: 'unconfirmed_at_rail',
    above: 0,
    id: 'StuckUnconfirmed',
    what: 'payouts unconfirmed past their deadline',
  },
  { category: 'retrying', above: 20, id: 'StuckRetrying', what: 'more than 20 workflows retrying an activity' },
  { category: 'runs_not_finishing', above: 0, id: 'StuckRuns', what: 'a payout run has been going for over a day' },
] as const;
/** The sweep runs every 5 minutes by default; three periods without a count means it stopped. */
const SWEEP_SILENT_AFTER = Duration.minutes(15);

/** Alarms on both functions and on stuck work, each notifying (and clearing on) the alarms topic. */
export class PayopsAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    props: { worker: lambda.Function; ingress: lambda.Function; topic: sns.ITopic; stage: string },
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
    const stuck = (category: string, statistic: string, p: Duration) =>
      new cloudwatch.Metric({
        namespace: 'payops',
        metricName: `payops.stuck.${category}`,
        dimensionsMap: { Category: category, Stage: props.stage },
        statistic,
        period: p,
      });
    for (const a of STUCK_ALARMS) {
      this.add(a.id, stuck(a.category, cloudwatch.Stats.MAXIMUM, period), a.above + 1, `stuck work: ${a.what}`);
    }
    // Missing data is the symptom here: a sweeper that stopped (Schedule paused or deleted, worker down) says nothing.
    this.add(
      'StuckSweepSilent',
      stuck('overdue_person', cloudwatch.Stats.SAMPLE_COUNT, SWEEP_SILENT_AFTER),
      1,
      'no stuck-work sweep reported for 15 minutes: the sweeper is not running',
      {
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      },
    );
    // A payload no key opens (workers/decode-failures.ts, EMF): its workflow is stuck until reset (README runbook).
    this.add(
      'PayloadDecodeFailures',
      new cloudwatch.Metric({
        namespace: 'payops',
        metricName: 'payops.codec.decodeFailures',
        dimensionsMap: { Stage: props.stage },
        statistic: cloudwatch.Stats.SUM,
        period,
      }),
      1,
      'a payload could not be decoded: its workflow is stuck until reset (runbook: Payload decode failures)',
    );
    const action = new SnsAction(props.topic);
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }

  private add(
    id: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    description: string,
    opts: Pick<cloudwatch.AlarmProps, 'comparisonOperator' | 'treatMissingData'> = {},
  ): void {
    this.alarms.push(
      new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `payops: ${description}`,
        ...opts,
      }),
    );
  }
}
