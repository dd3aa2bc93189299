import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { z } from 'zod';
import { ClientInputError } from '../../client/errors';

/**
 * The one command-line parser of every script (finance, ops, demo, chaos, bench, release, deploy, replay-gate,
 * build:lambda), on node's strict `util.parseArgs`: `--n 1000` and `--n=1000` are the same, booleans take no value
 * (`--json`), `--help` prints usage and exits 0, an unknown flag or a bad value exits 2 with a message naming the
 * flag, a refused command exits 1, `--json` prints one JSON document on stdout for scripts.
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
function optionNamed(err: { message: string }): string {
  return /'(-{1,2}[^' =]+)/.exec(err.message)?.[1] ?? 'arguments';
}

/** `util.parseArgs`, strict, positionals allowed; its errors become a {@link UsageError} naming the option. */
function strictParse(argv: string[], options: ParseArgsOptionsConfig) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    // Duck-typed: node's errors are not `instanceof Error` of another realm (a jest sandbox, an in-process test).
    const e = err as { code?: unknown; message?: unknown };
    if (typeof e.message === 'string' && String(e.code).startsWith('ERR_PARSE_ARGS'))
      throw new UsageError(optionNamed({ message: e.message }), e.message.split('. ')[0] ?? e.message);
    throw err;
  }
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
  const parsed = strictParse(argv, { ...options, ...COMMON });
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

/** The flag a schema key came from (`buildId` → `--build-id`). */
export function flagName(key: PropertyKey | undefined): string {
  return key === undefined ? 'arguments' : `--${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** A parsed flag-only command line: the values the schema produced, the positionals, and `--help`. */
export interface ParsedFlags<S extends z.ZodType> {
  values: z.infer<S>;
  positionals: string[];
  help: boolean;
}

/**
 * For scripts without sub-commands: parses `argv` strictly against `options` (plus `--help`), then validates the
 * values with `schema`, whose keys are the flags in camelCase (`--build-id` → `buildId`). An unknown option, a
 * missing value or a schema issue throws a {@link UsageError} naming the flag (`--n: must be a positive whole
 * number`). Positionals are refused beyond `maxPositionals` (default 0).
 */
export function parseFlags<S extends z.ZodType>(
  argv: string[],
  options: ParseArgsOptionsConfig,
  schema: S,
  maxPositionals = 0,
): ParsedFlags<S> {
  const parsed = strictParse(argv, { ...options, help: COMMON.help });
  if (parsed.values['help']) return { values: {} as z.infer<S>, positionals: parsed.positionals, help: true };
  if (parsed.positionals.length > maxPositionals)
    throw new UsageError(parsed.positionals[maxPositionals] ?? 'arguments', 'unexpected argument');
  const values = Object.fromEntries(
    Object.entries(parsed.values).map(([k, v]) => [k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), v]),
  );
  const result = schema.safeParse(values);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue?.path[0];
    const missing = key !== undefined && values[String(key)] === undefined;
    throw new UsageError(flagName(key), missing ? 'required' : (issue?.message ?? 'invalid'));
  }
  return { values: result.data, positionals: parsed.positionals, help: false };
}

/** A flag holding a whole number in [min, max] (`--n 1000`); its message names the range. */
export function wholeNumber(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,9}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
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
 * Where a CLI writes and what environment it reads: `out` is stdout (the result; with `--json` one JSON document and
 * nothing else, so `| jq` works), `err` is stderr (prompts, progress, errors). A test passes its own to run the CLI
 * in-process.
 */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

/** The process's own stdout, stderr and environment. */
export const processIo: Io = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
  env: process.env,
};

/** A CLI's entry point: the arguments after the command name, where to write; resolves to the exit code. */
export type CliMain = (argv: string[], io?: Io) => Promise<number>;

/**
 * Wraps a CLI's `main` so a bad command line returns 2 after a message naming the argument: a {@link UsageError}, or
 * a `ClientInputError` (bad input the typed client caught before anything reached Temporal). Other errors propagate.
 * `name` is the CLI's short name (`finance`: messages say `finance: …`, help is `npx payops-finance --help`).
 */
export function withUsageErrors(
  name: string,
  main: (argv: string[], io: Io) => Promise<number>,
  helpCommand = `npx payops-${name} --help`,
): CliMain {
  return async (argv, io = processIo) => {
    try {
      return await main(argv, io);
    } catch (err) {
      if (err instanceof UsageError && err.selfContained) io.err(err.message);
      else if (err instanceof UsageError || err instanceof ClientInputError)
        io.err(`${name}: ${err.message}\nRun ${helpCommand} for usage.`);
      else throw err;
      return 2;
    }
  };
}

/**
 * A CLI's exit code for `argv`: its `main`'s, or 1 after its message when it throws something unexpected (server
 * unreachable, unknown workflow) — never a stack trace, which could carry payload text. `runMain` and the in-process
 * CLI tests both go through here, so a test sees what a user sees.
 */
export async function exitCodeOf(name: string, main: CliMain, argv: string[], io: Io): Promise<number> {
  try {
    return await main(argv, io);
  } catch (err) {
    io.err(`${name}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    return 1;
  }
}

/** Runs a CLI's `main` on the process's arguments, stdout and stderr, and exits with its code. */
export function runMain(name: string, main: CliMain, argv = process.argv.slice(2)): void {
  void exitCodeOf(name, main, argv, processIo).then((code) => process.exit(code));
}

/**
 * For scripts that read their flags at load time (the benchmark, the demo): the parse's result, or, for `--help` or
 * a bad command line, the usage (exit 0) or the message naming the flag (exit 2).
 */
export function parseOrExit<T extends { help: boolean }>(name: string, usage: string, parse: () => T): T {
  let parsed: T;
  try {
    parsed = parse();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${name}: ${err.message}\n${usage}`);
    process.exit(2);
  }
  if (parsed.help) {
    console.log(usage);
    process.exit(0);
  }
  return parsed;
}
