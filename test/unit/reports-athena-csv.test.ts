import { athenaCsvRows } from '../../decisions/reports/athena-csv';

async function rowsOf(chunks: string[]) {
  const out: Array<Array<string | undefined>> = [];
  const source = (async function* () {
    for (const c of chunks) yield new TextEncoder().encode(c);
  })();
  for await (const batch of athenaCsvRows(source)) out.push(...batch);
  return out;
}

describe("Athena's result CSV", () => {
  const text = '"a","b","c"\n"1",,""\n"x,""y""","line\none",\n"é",'; // last line without a newline
  const expected = [
    ['a', 'b', 'c'],
    ['1', undefined, ''],
    ['x,"y"', 'line\none', undefined],
    ['é', undefined],
  ];

  test('when a value is quoted, empty, null, holds a comma, a doubled quote or a line break, then each reads as Athena meant it', async () => {
    expect(await rowsOf([text])).toEqual(expected);
  });

  test('when the object arrives in chunks split anywhere (inside quotes, between doubled quotes, inside a UTF-8 character), then the rows are the same', async () => {
    const bytes = new TextEncoder().encode(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const out: Array<Array<string | undefined>> = [];
      const source = (async function* () {
        yield bytes.slice(0, cut);
        yield bytes.slice(cut);
      })();
      for await (const batch of athenaCsvRows(source)) out.push(...batch);
      expect(out).toEqual(expected);
    }
  });

  test('when the object ends inside a quoted value, then reading fails (a truncated object is never a short report)', async () => {
    await expect(rowsOf(['"a","b\n'])).rejects.toThrow('ends inside a quoted value');
  });
});
