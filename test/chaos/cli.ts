import { z } from 'zod';
import { parseFlags, runMain, UsageError, wholeNumber, withUsageErrors } from '../../scripts/cli/args';
import { formatTable, jsonLine, rowHeld, runMatrix } from './matrix';
import { selectRows } from './rows';
import { startChaosStack } from './stack';

const USAGE = `npm run chaos [-- --n <N>] [--rows <a,b>]   the fault matrix on its own local stack
  --n <N>        workflows per row (default 20)
  --rows <a,b>   only these rows (default: every row)`;

const options = { n: { type: 'string' }, rows: { type: 'string' } } as const;
const schema = z.object({ n: wholeNumber(1, 1_000_000).default(20), rows: z.string().optional() });

/** The chaos command line (`--n 1000` and `--n=1000` alike); an unknown row is a usage error naming `--rows`. */
export function chaosArgs(argv: string[]) {
  const { values, help } = parseFlags(argv, options, schema);
  if (help) return { help, n: 0, rows: [] };
  try {
    return { help, n: values.n, rows: selectRows((values.rows ?? '').split(',').filter(Boolean)) };
  } catch (err) {
    throw new UsageError('--rows', err instanceof Error ? err.message : String(err));
  }
}

/**
 * `npm run chaos`: exit 0 when no row duplicated, lost or broke the ledger and every row's own expectations held, 1
 * otherwise, 2 for bad arguments.
 */
const main = withUsageErrors(
  'chaos',
  async (argv: string[]): Promise<number> => {
    const { help, n, rows } = chaosArgs(argv);
    if (help) {
      console.log(USAGE);
      return 0;
    }
    const started = Date.now();
    const stack = await startChaosStack();
    console.log(`[chaos] stack ready in ${Date.now() - started} ms (temporal ${stack.temporal.address})`);
    try {
      const results = await runMatrix(stack, rows, n, (l) => console.log(l));
      console.log(`\n${formatTable(results)}\n`);
      console.log(jsonLine(results));
      return results.every(rowHeld) ? 0 : 1;
    } finally {
      await stack.stop();
    }
  },
  'npm run chaos -- --help',
);

if (require.main === module) runMain('chaos', main);
