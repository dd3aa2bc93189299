import { STUCK_ALARMS } from '../lib/alarms';
import { synth, type Synthesised } from './support';

/** The stuck-work alarms select the sweeper's embedded metrics of the stack's own stage and notify the alarms topic. */
let prod: Synthesised;
beforeAll(() => {
  prod = synth({ stage: 'prod' });
});

const alarms = () =>
  Object.entries(prod.template.findResources('AWS::CloudWatch::Alarm')) as Array<
    [string, { Properties: Record<string, unknown> }]
  >;
const dims = (category: string) => [
  { Name: 'Category', Value: category },
  { Name: 'Stage', Value: 'prod' },
];

describe('stuck-work alarms', () => {
  test.each(STUCK_ALARMS.map((a) => [a.category, a.above] as const))(
    'when payops.stuck.%s exceeds %d in a 5-minute period, then an alarm fires for this stage',
    (category, above) => {
      prod.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'payops',
        MetricName: `payops.stuck.${category}`,
        Dimensions: dims(category),
        Statistic: 'Maximum',
        Period: 300,
        Threshold: above + 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    },
  );

  test('when no sweep reports for 15 minutes, then the silent-sweeper alarm fires (missing data breaches)', () => {
    prod.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'payops',
      MetricName: 'payops.stuck.overdue_person',
      Dimensions: dims('overdue_person'),
      Statistic: 'SampleCount',
      Period: 900,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  test('when a stuck-work alarm changes state, then the alarms topic hears it both ways; cdk-nag stays clean', () => {
    const stuck = alarms().filter(
      ([, r]) =>
        r.Properties['Namespace'] === 'payops' && String(r.Properties['MetricName']).startsWith('payops.stuck.'),
    );
    expect(stuck).toHaveLength(STUCK_ALARMS.length + 1);
    const [topicId] = Object.keys(prod.template.findResources('AWS::SNS::Topic')).filter((id) => id.includes('Alarms'));
    for (const [, r] of stuck) {
      expect(r.Properties).toMatchObject({ AlarmActions: [{ Ref: topicId }], OKActions: [{ Ref: topicId }] });
    }
    expect(prod.template.findResources('AWS::Logs::MetricFilter')).toEqual({});
    const nag = prod.report.pluginReports.filter((r) => r.pluginName === 'AwsSolutions');
    expect(nag.flatMap((r) => r.violations.map((v) => v.ruleName))).toEqual([]);
  });
});
