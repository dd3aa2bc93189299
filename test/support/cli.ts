import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { exitCodeOf, type CliMain } from '../../scripts/cli/args';

/** What a CLI run produced: its exit code, stdout and stderr. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs a CLI's `main(argv, io)` in this process with `env` as its environment, capturing stdout and stderr as the
 * process would print them (one line per write): the same code path as the `bin`, without a process per call.
 */
export async function runInProcess(
  name: string,
  main: CliMain,
  env: NodeJS.ProcessEnv,
  argv: string[],
): Promise<CliRun> {
  let out = '';
  let err = '';
  const io = { env, out: (t: string) => void (out += `${t}\n`), err: (t: string) => void (err += `${t}\n`) };
  const code = await exitCodeOf(name, main, argv, io);
  return { code, out, err };
}

/**
 * Runs a CLI as a user would: `npx <bin> <args>` in the repository, as its own process; stdout and stderr apart
 * (stdout is what `| jq` reads).
 */
export function runBin(bin: string, env: NodeJS.ProcessEnv, argv: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    const opts = { env, cwd: join(__dirname, '../..'), timeout: 60_000 };
    execFile('npx', ['--no-install', bin, ...argv], opts, (e, out, err) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err }),
    );
  });
}
