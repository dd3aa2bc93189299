import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

/**
 * What `npm run deploy` leaves for the Temporal side (`dist/release-<stage>.json`): the build it deployed, the
 * external ID it put into the invoke role's trust policy, and the stack outputs. No secret is in it.
 */
export const releaseRecordSchema = z.object({
  stage: z.string().min(1),
  stackName: z.string().min(1),
  buildId: z.string().min(1),
  temporalExternalId: z.string().min(1),
  outputs: z.object({
    WorkerVersionArn: z.string().min(1),
    TemporalInvokeRoleArn: z.string().min(1),
    IngressUrl: z.string().min(1),
    WorkerFunctionArn: z.string().optional(),
  }),
});

export type ReleaseRecord = z.infer<typeof releaseRecordSchema>;

/** The record's path for a stage. */
export const releaseRecordPath = (stage: string) => `dist/release-${stage}.json`;

/** Writes the record (creating dist/). */
export function writeReleaseRecord(path: string, record: ReleaseRecord): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
}

/** Reads and checks a record; the error names the file and the field. */
export function readReleaseRecord(path: string): ReleaseRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: cannot read (${err instanceof Error ? err.message : String(err)}); run npm run deploy`);
  }
  const parsed = releaseRecordSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: ${issue?.path.join('.') || 'record'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
