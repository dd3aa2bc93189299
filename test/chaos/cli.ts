import { formatTable, jsonLine, runMatrix } from './matrix';
import { selectRows } from './rows';
import { startChaosStack } from './stack';

/** `npm run chaos [-- --n=1000] [--rows=a,b]`: the fault matrix on its own local stack. */
async function main(): Promise<void> {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const n = Number(arg('n') ?? 20);
  if (!Number.isInteger(n) || n < 1) throw new Error('--n must be a positive integer');
  const rows = selectRows((arg('rows') ?? '').split(',').filter(Boolean));
  const started = Date.now();
  const stack = await startChaosStack();
  console.log(`[chaos] stack ready in ${Date.now() - started} ms (temporal ${stack.temporal.address})`);
  let ok = false;
  try {
    const results = await runMatrix(stack, rows, n, (l) => console.log(l));
    console.log(`\n${formatTable(results)}\n`);
    console.log(jsonLine(results));
    ok = results.every((r) => r.duplicates === 0 && r.lost === 0 && r.ledgerBreaks === 0);
  } finally {
    await stack.stop();
  }
  process.exit(ok ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
