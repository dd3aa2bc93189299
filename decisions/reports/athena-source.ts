import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { makeAwsClients } from '../../activities/adapters/aws';
import { awsOptions, type AppConfig } from '../../workers/config';
import type { DecisionsConfig } from '../config';
import { athenaFactFiles } from './athena-facts';
import { ReportEngine } from './engine';
import type { ReportsSource } from './routes';

/** How many period files the Lambda keeps under /tmp (athena-facts.ts#athenaFactFiles). */
export const ATHENA_FILES_KEPT = 2;

/**
 * The reports' source where REPORTS_ATHENA_WORKGROUP and REPORTS_GLUE_DATABASE are configured (the CDK sets both on
 * the decisions Lambda): Athena selects the period's day partitions, its result object is streamed from S3 into an
 * NDJSON file under /tmp, and DuckDB (the function's layer) runs the same report queries as locally. No ledger
 * tie-out: the decision service holds no grant on the ledger table, by design (infra/cdk stack test).
 */
export function athenaReportsSource(config: AppConfig, athena: NonNullable<DecisionsConfig['athena']>): ReportsSource {
  const options = awsOptions(config);
  const client = new AthenaClient({
    region: options.region,
    ...(options.local
      ? { endpoint: options.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }
      : {}),
  });
  const root = join(tmpdir(), 'payops-reports');
  return {
    engine: new ReportEngine({ tempDirectory: join(root, 'duckdb') }),
    files: athenaFactFiles(
      { client, s3: makeAwsClients(options).s3, workgroup: athena.workgroup, database: athena.database },
      join(root, 'facts'),
      // Each report scans its file as soon as it gets it, and a Lambda container serves one request at a time: two
      // files (a month of a million facts is about 0.5 GB) fit the function's 2 GiB of /tmp with DuckDB's spill room.
      ATHENA_FILES_KEPT,
    ),
  };
}

/**
 * Where this deployment's reports come from: Athena when configured, else (local mode) `local` (DuckDB over the
 * mirrored bucket: server.ts passes it, so the Lambda never loads the mirror), else none (the endpoints answer 503).
 */
export function reportsSourceFor(
  config: AppConfig,
  decisions: DecisionsConfig,
  local?: () => ReportsSource,
): ReportsSource | undefined {
  if (decisions.athena) return athenaReportsSource(config, decisions.athena);
  return config.PAYOPS_MODE === 'local' ? local?.() : undefined;
}
