import { Aws } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import { Construct } from 'constructs';
import type { PayopsData } from './data';
import { reportsDatabaseName, reportsWorkGroupName } from './functions';
import type { Settings } from './settings';

/**
 * The reports' query side on AWS: a Glue database with one external table per fact kind over the reports bucket's
 * NDJSON day partitions (`facts/<kind>/day=YYYY-MM-DD/`, as the workflows write them; see
 * workflows/shared/report-facts.ts), found by partition projection (no crawler, no MSCK REPAIR: a day is queryable as
 * soon as its first fact lands), and an Athena workgroup that enforces its settings: results encrypted with the data
 * key under `athena-results/` in the same bucket, and a cap on the bytes one query may scan. Locally the same files
 * are read by DuckDB (decisions/reports/engine.ts); the columns here mirror that engine's declared types.
 */

/** Columns per kind, as Hive types (the partition column `day` is the projection's, not a column). */
export const FACT_COLUMNS: Record<'compensation' | 'payout-sla', Array<{ name: string; type: string }>> = {
  compensation: [
    { name: 'factid', type: 'string' },
    { name: 'outcome', type: 'string' },
    { name: 'at', type: 'string' },
    { name: 'requestid', type: 'string' },
    { name: 'orderid', type: 'string' },
    { name: 'customerid', type: 'string' },
    { name: 'reasoncode', type: 'string' },
    { name: 'agentid', type: 'string' },
    { name: 'agentrole', type: 'string' },
    { name: 'team', type: 'string' },
    { name: 'approvers', type: 'array<struct<id:string,role:string>>' },
    { name: 'tier', type: 'string' },
    { name: 'autoapproved', type: 'boolean' },
    { name: 'policyversion', type: 'string' },
    { name: 'currency', type: 'string' },
    { name: 'refundminor', type: 'bigint' },
    { name: 'storecreditminor', type: 'bigint' },
    { name: 'voucherminor', type: 'bigint' },
    { name: 'totalminor', type: 'bigint' },
    { name: 'undoneminor', type: 'bigint' },
    { name: 'undonestorecreditminor', type: 'bigint' },
    { name: 'undonevoucherminor', type: 'bigint' },
    { name: 'netminor', type: 'bigint' },
    { name: 'postingids', type: 'array<string>' },
  ],
  'payout-sla': [
    { name: 'factid', type: 'string' },
    { name: 'outcome', type: 'string' },
    { name: 'startedat', type: 'string' },
    { name: 'closedat', type: 'string' },
    { name: 'rail', type: 'string' },
    { name: 'country', type: 'string' },
    { name: 'currency', type: 'string' },
    { name: 'amountminor', type: 'bigint' },
    { name: 'starttopaidms', type: 'bigint' },
    { name: 'slams', type: 'bigint' },
    { name: 'breached', type: 'boolean' },
    { name: 'waits', type: 'array<struct<actor:string,ms:bigint>>' },
    { name: 'failurecode', type: 'string' },
    { name: 'returncode', type: 'string' },
  ],
};

/** The first day partition projection enumerates (facts before it do not exist). */
const FIRST_DAY = '2026-01-01';
/** What one query may scan before Athena cancels it (a month of a million facts is about 0.4 GB). */
export const BYTES_SCANNED_CUTOFF = 10 * 1024 ** 3;

export class PayopsReports extends Construct {
  readonly database: glue.CfnDatabase;
  readonly tables: Record<'compensation' | 'payout-sla', glue.CfnTable>;
  readonly workGroup: athena.CfnWorkGroup;

  constructor(scope: Construct, id: string, settings: Settings, data: PayopsData) {
    super(scope, id);
    const databaseName = reportsDatabaseName(settings.stage);
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: databaseName, description: `payops ${settings.stage}: report facts (NDJSON, by day)` },
    });
    const bucket = data.reportsBucket.bucketName;
    const table = (kind: 'compensation' | 'payout-sla') => {
      const location = `s3://${bucket}/facts/${kind}/`;
      const t = new glue.CfnTable(this, kind === 'compensation' ? 'CompensationFacts' : 'PayoutSlaFacts', {
        catalogId: Aws.ACCOUNT_ID,
        databaseName,
        tableInput: {
          name: `${kind.replace('-', '_')}_facts`,
          tableType: 'EXTERNAL_TABLE',
          parameters: {
            classification: 'json',
            'projection.enabled': 'true',
            'projection.day.type': 'date',
            'projection.day.format': 'yyyy-MM-dd',
            'projection.day.range': `${FIRST_DAY},NOW`,
            'projection.day.interval': '1',
            'projection.day.interval.unit': 'DAYS',
            'storage.location.template': `${location}day=\${day}/`,
          },
          partitionKeys: [{ name: 'day', type: 'string' }],
          storageDescriptor: {
            location,
            columns: FACT_COLUMNS[kind],
            inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
            serdeInfo: {
              serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
              // The facts' own `day` field duplicates the partition: ignored, like any field not declared.
              parameters: { 'case.insensitive': 'true', 'ignore.malformed.json': 'false' },
            },
          },
        },
      });
      t.addDependency(this.database);
      return t;
    };
    this.tables = { compensation: table('compensation'), 'payout-sla': table('payout-sla') };

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: reportsWorkGroupName(settings.stage),
      description: `payops ${settings.stage}: compensation spend and payout service-level reports`,
      state: 'ENABLED',
      recursiveDeleteOption: false,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: BYTES_SCANNED_CUTOFF,
        resultConfiguration: {
          outputLocation: `s3://${bucket}/athena-results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: data.dataKey.keyArn },
        },
      },
    });
  }
}
