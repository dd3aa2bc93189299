import { z } from 'zod';
import { parseCommandLine, parseFlags, UsageError, wholeNumber } from '../../scripts/cli/args';
import { chaosArgs } from '../chaos/cli';

const options = { n: { type: 'string' }, json: { type: 'boolean' }, 'build-id': { type: 'string' } } as const;
const schema = z.object({
  n: wholeNumber(1, 1_000).default(20),
  json: z.boolean().default(false),
  buildId: z.string().optional(),
});

/** The UsageError a parse throws: which argument it names and its message. */
function usageErrorOf(parse: () => unknown): { argument: string; message: string } {
  try {
    parse();
  } catch (err) {
    if (err instanceof UsageError) return { argument: err.argument, message: err.message };
    throw err;
  }
  throw new Error('expected a UsageError');
}

describe('the one argument parser (scripts/cli/args.ts)', () => {
  test('when a value follows its flag with a space or with =, then both give the same value', () => {
    expect(parseFlags(['--n', '1000'], options, schema).values.n).toBe(1000);
    expect(parseFlags(['--n=1000'], options, schema).values.n).toBe(1000);
    expect(parseFlags(['--build-id', 'b1'], options, schema).values.buildId).toBe('b1');
    expect(parseFlags([], options, schema).values).toEqual({ n: 20, json: false });
  });

  test('when a boolean flag is given, then it is true without a value', () => {
    expect(parseFlags(['--json'], options, schema).values.json).toBe(true);
    expect(usageErrorOf(() => parseFlags(['--json=yes'], options, schema)).argument).toBe('--json');
  });

  test('when a flag is unknown, then the usage error names it', () => {
    const e = usageErrorOf(() => parseFlags(['--bogus', '1'], options, schema));
    expect(e.argument).toBe('--bogus');
    expect(e.message).toMatch(/^--bogus: Unknown option '--bogus'/);
    expect(usageErrorOf(() => parseFlags(['--bogus=1'], options, schema)).argument).toBe('--bogus');
  });

  test('when a value is bad or missing, then the usage error names the flag', () => {
    expect(usageErrorOf(() => parseFlags(['--n', 'lots'], options, schema)).message).toBe(
      '--n: must be a whole number',
    );
    expect(usageErrorOf(() => parseFlags(['--n=0'], options, schema)).message).toBe('--n: must be at least 1');
    expect(usageErrorOf(() => parseFlags(['--n'], options, schema)).argument).toBe('--n');
    expect(usageErrorOf(() => parseFlags(['stray'], options, schema)).message).toBe('stray: unexpected argument');
  });

  test('when --help is given, then nothing else is checked', () => {
    expect(parseFlags(['--help', '--n=0'], options, schema).help).toBe(true);
  });

  test('when a sub-command CLI gets its options in either form, then they parse alike and --json is common', () => {
    const commands = { list: { positionals: [], options: ['tier'] } };
    const spaced = parseCommandLine(['list', '--tier', 'tier1', '--json'], { tier: { type: 'string' } }, commands);
    const joined = parseCommandLine(['list', '--tier=tier1', '--json'], { tier: { type: 'string' } }, commands);
    expect(spaced).toEqual(joined);
    expect(spaced).toMatchObject({ command: 'list', values: { tier: 'tier1' }, json: true });
    const e = usageErrorOf(() => parseCommandLine(['list', '--nope'], { tier: { type: 'string' } }, commands));
    expect(e.argument).toBe('--nope');
  });

  test('when the chaos matrix gets --n 1000 (space form), then it runs N = 1000, not the default 20', () => {
    expect(chaosArgs(['--n', '1000']).n).toBe(1000);
    expect(chaosArgs(['--n=1000']).n).toBe(1000);
    expect(chaosArgs([]).n).toBe(20);
    expect(usageErrorOf(() => chaosArgs(['--rows', 'no-such-row'])).argument).toBe('--rows');
    expect(usageErrorOf(() => chaosArgs(['--m', '5'])).argument).toBe('--m');
  });
});
