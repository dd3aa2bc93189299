import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeAwsClients } from '../../activities/adapters/aws';
import { createDynamoLedger } from '../../activities/adapters/ledger/dynamo-ledger';
import { createS3FactStore } from '../../activities/adapters/reports/fact-store';
import { awsOptions, type AppConfig } from '../../workers/config';
import { ReportEngine } from './engine';
import { mirroredFactFiles } from './fact-files';
import type { ReportsSource } from './routes';

/**
 * The reports' source of a long-lived decision service (`npm start`): DuckDB in process over the reports bucket's
 * fact files mirrored into a temporary directory, tied out to the ledger table. Imported by `decisions/server.ts`
 * only: the Lambda reads its facts through Athena (athena-source.ts) and never mirrors the bucket.
 */
export function localReportsSource(config: AppConfig): ReportsSource {
  const aws = makeAwsClients(awsOptions(config));
  return {
    engine: new ReportEngine(),
    files: mirroredFactFiles(
      createS3FactStore({ aws, bucket: config.REPORTS_BUCKET }),
      mkdtempSync(join(tmpdir(), 'payops-facts-')),
    ),
    ledger: createDynamoLedger({ aws, table: config.LEDGER_TABLE }),
  };
}
