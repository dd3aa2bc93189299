import { Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { PayopsAlarms } from './alarms';
import { PayopsData } from './data';
import { PayopsFunctions } from './functions';
import { acceptedFindings, acknowledgeAcceptedFindings, type AcceptedFinding } from './nag';
import { PayopsReports } from './reports';
import type { Settings } from './settings';

/** The whole AWS side of one stage: data, functions, the Temporal invoke role and alarms. */
export class PayopsStack extends Stack {
  readonly data: PayopsData;
  readonly functions: PayopsFunctions;
  readonly alarms: PayopsAlarms;
  readonly reports: PayopsReports;
  readonly acceptedFindings: AcceptedFinding[];

  constructor(scope: Construct, id: string, settings: Settings, props: StackProps = {}) {
    super(scope, id, {
      ...props,
      description: `payops ${settings.stage}: serverless Temporal worker, webhook ingress, decision service and their data`,
    });
    Tags.of(this).add('app', 'payops');
    Tags.of(this).add('stage', settings.stage);
    this.data = new PayopsData(this, 'Data', settings);
    this.functions = new PayopsFunctions(this, 'Functions', settings, this.data);
    this.reports = new PayopsReports(this, 'Reports', settings, this.data);
    this.alarms = new PayopsAlarms(this, 'Alarms', {
      worker: this.functions.worker,
      ingress: this.functions.ingress,
      topic: this.data.alarmsTopic,
      stage: settings.stage,
    });
    this.acceptedFindings = acceptedFindings(this, this.data, this.functions);
    acknowledgeAcceptedFindings(this.acceptedFindings);
  }
}
