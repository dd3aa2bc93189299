import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { ClientInputError } from '../../client/errors';

/**
 * The conventions both staff CLIs (`npm run ops`, `npm run finance`) share: `--help` prints usage and exits 0, a bad
 * argument exits 2 with a message naming it, a refused command exits 1, `--json` prints one JSON document for scripts.
 */

/** A bad command line: `argument` is what to fix (`--reason`, `<payoutId>`, `command`). Exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** With `selfContained`, `problem` is the whole message and says what to do (no pointer to `--help`). */
  constructor(
    readonly argument: string,
    problem: string,
    readonly selfContained = false,
  ) {
    super(selfContained ? problem : `${argument}: ${problem}`);
  }
}

/** One command of a CLI: its positional arguments (names for messages) and the options it takes. */
export interface CommandSpec {
  positionals: readonly string[];
  options: readonly string[];
}

/** A parsed command line: the command, its named positionals, and the option values. */
export interface ParsedCommand<O extends ParseArgsOptionsConfig> {
  command: string | undefined;
  args: Record<string, string>;
  values: { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : string };
  help: boolean;
  json: boolean;
}

const COMMON = { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } } as const;

/** The option a `util.parseArgs` error names (`Unknown option '--x'`, `Option '--reason <value>' argument missing`). */
function optionNamed(err: Error): string {
  return /'(-{1,2}[^' ]+)/.exec(err.message)?.[1] ?? 'arguments';
}

/**
 * Parses `argv` strictly (node's `util.parseArgs`): unknown options, missing option values, options the command does
 * not take, and missing or extra positionals all throw {@link UsageError} naming the argument. `--help` and `--json`
 * are accepted by every command; with `--help` nothing else is checked.
 */
export function parseCommandLine<O extends ParseArgsOptionsConfig>(
  argv: string[],
  options: O,
  commands: Record<string, CommandSpec>,
): ParsedCommand<O> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, ...COMMON }, allowPositionals: true, strict: true });
  } catch (err) {
    if (err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))
      throw new UsageError(optionNamed(err), err.message.split('. ')[0] ?? err.message);
    throw err;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const [command, ...rest] = parsed.positionals;
  const help = values['help'] === true;
  const json = values['json'] === true;
  const out = { command, args: {}, values: values as ParsedCommand<O>['values'], help, json };
  if (help) return out;
  if (!command) throw new UsageError('command', `missing (one of ${Object.keys(commands).join(', ')})`);
  const spec = commands[command];
  if (!spec)
    throw new UsageError('command', `unknown command '${command}' (one of ${Object.keys(commands).join(', ')})`);
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && !(name in COMMON) && !spec.options.includes(name))
      throw new UsageError(`--${name}`, `not an option of ${command}`);
  }
  spec.positionals.forEach((name, i) => {
    if (rest[i] === undefined) throw new UsageError(`<${name}>`, `missing (${command} needs it)`);
  });
  if (rest.length > spec.positionals.length)
    throw new UsageError(rest[spec.positionals.length] ?? 'arguments', `unexpected argument to ${command}`);
  return { ...out, args: Object.fromEntries(spec.positionals.map((name, i) => [name, rest[i] ?? ''])) };
}

/** An option the command needs; throws a {@link UsageError} naming it when absent or blank. */
export function required(value: string | undefined, option: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`--${option}`, 'required');
  return value;
}

/** One of the allowed values, or a {@link UsageError} naming the option and listing them. */
export function oneOf<T extends string>(value: string, option: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${option}`, `'${value}' is not one of ${allowed.join(', ')}`);
}

/** Rows as an aligned text table with a header row (for people; `--json` is for scripts). */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/**
 * Wraps a CLI's `main` so a bad command line returns 2 after a message naming the argument: a {@link UsageError}, or
 * a `ClientInputError` (bad input the typed client caught before anything reached Temporal). Other errors propagate.
 */
export function withUsageErrors(
  name: string,
  main: (argv: string[]) => Promise<number>,
): (argv: string[]) => Promise<number> {
  return async (argv) => {
    try {
      return await main(argv);
    } catch (err) {
      if (err instanceof UsageError && err.selfContained) console.error(err.message);
      else if (err instanceof UsageError || err instanceof ClientInputError)
        console.error(`${name}: ${err.message}\nRun npm run ${name} -- --help for usage.`);
      else throw err;
      return 2;
    }
  };
}

/**
 * Runs a CLI's `main` and exits with its code; an unexpected error (server unreachable, unknown workflow) exits 1
 * with its message, never a stack trace (which could carry payload text).
 */
export function runMain(name: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`${name}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      process.exit(1);
    },
  );
}
