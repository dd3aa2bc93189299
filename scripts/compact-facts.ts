import { z } from 'zod';
import { makeAwsClients } from '../activities/adapters/aws';
import { compactFacts, s3CompactionStore } from '../decisions/reports/compaction';
import { periodOf, periodSchema } from '../decisions/reports/period';
import { awsOptions, loadConfig } from '../workers/config';
import type { FactKind } from '../workflows/shared/report-facts';
import { parseFlags, runMain, table, withUsageErrors, type Io } from './cli/args';

const USAGE = `npm run compact:facts -- [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--kind compensation|payout-sla] [--json]
  Folds each UTC day's single-fact objects in the reports bucket (REPORTS_BUCKET) into one file per day
  (facts/<kind>/day=D/part=compacted.ndjson) and removes the singles. Idempotent; safe while reports run.
  --from  first day (default: 7 days before --to)      --to  day after the last (default: today, UTC)
  --kind  one kind only (default: both)`;

const DAY_MS = 86_400_000;
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date written YYYY-MM-DD' });

/** `npm run compact:facts`: 0 done, 2 bad arguments; 1 when the bucket cannot be read or written. */
export const main = withUsageErrors(
  'compact:facts',
  async (argv: string[], io: Io): Promise<number> => {
    const { values, help } = parseFlags(
      argv,
      { from: { type: 'string' }, to: { type: 'string' }, kind: { type: 'string' }, json: { type: 'boolean' } },
      z.object({
        from: date.optional(),
        to: date.optional(),
        kind: z.enum(['compensation', 'payout-sla'], { error: 'must be compensation or payout-sla' }).optional(),
        json: z.boolean().default(false),
      }),
    );
    if (help) {
      io.out(USAGE);
      return 0;
    }
    const to = values.to ?? new Date().toISOString().slice(0, 10);
    const from = values.from ?? new Date(Date.parse(to) - 7 * DAY_MS).toISOString().slice(0, 10);
    const period = periodSchema.safeParse({ from, to, tz: 'UTC' });
    if (!period.success) {
      io.err(`compact:facts: ${period.error.issues[0]?.message ?? 'bad period'}\n${USAGE}`);
      return 2;
    }
    const config = loadConfig(io.env);
    const bucket = s3CompactionStore({ aws: makeAwsClients(awsOptions(config)), bucket: config.REPORTS_BUCKET });
    const kinds: FactKind[] = values.kind ? [values.kind] : ['compensation', 'payout-sla'];
    const done = await compactFacts(bucket, kinds, periodOf(period.data).utcDays);
    if (values.json) io.out(JSON.stringify(done));
    else
      io.out(
        table(
          ['kind', 'day', 'facts', 'folded', 'rewritten'],
          done
            .filter((d) => d.facts > 0)
            .map((d) => [d.kind, d.day, String(d.facts), String(d.folded), d.wrote ? 'yes' : 'no']),
        ),
      );
    return 0;
  },
  'npm run compact:facts -- --help',
);

if (require.main === module) runMain('compact:facts', main);
