import { resolve } from 'node:path';
import { z } from 'zod';
import { TrustSetError } from '../workers/aws-trust';
import { LAMBDA_OUT_DIR, packageAll } from '../workers/package-lambda';
import { parseFlags, runMain, withUsageErrors } from './cli/args';

const USAGE = `npm run build:lambda [-- <outDir>]   (default ${LAMBDA_OUT_DIR}; writes worker.zip, and ingress.zip once ingress/lambda.ts exists)`;

/** `npm run build:lambda`: 0 built, 1 the AWS trust set is missing or bad, 2 bad arguments. */
const main = withUsageErrors(
  'build:lambda',
  async (argv: string[]): Promise<number> => {
    const { positionals, help } = parseFlags(argv, {}, z.object({}), 1);
    if (help) {
      console.log(USAGE);
      return 0;
    }
    try {
      await packageAll(resolve(positionals[0] ?? LAMBDA_OUT_DIR));
      return 0;
    } catch (err) {
      if (!(err instanceof TrustSetError)) throw err;
      console.error(err.message);
      return 1;
    }
  },
  'npm run build:lambda -- --help',
);

if (require.main === module) runMain('build:lambda', main);
