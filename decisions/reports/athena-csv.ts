/**
 * Athena's result object (`<OutputLocation>/<execution>.csv`) read as rows. Athena writes every value in double
 * quotes (a quote inside doubled) and a null as an empty field without quotes, so `""` is the empty text and an
 * empty unquoted field is no value: the same distinction GetQueryResults makes with an absent `VarCharValue`. A quoted
 * value may span lines. The first row is the column labels.
 */

type Cell = string | undefined;

/** Rows of the CSV in `chunks`, yielded in batches (one per chunk read), header included. */
export async function* athenaCsvRows(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<Cell[][]> {
  const decoder = new TextDecoder();
  let field = '';
  let quoted = false;
  let inQuotes = false;
  let afterQuote = false;
  let row: Cell[] = [];
  const endField = () => {
    row.push(quoted ? field : field === '' ? undefined : field);
    field = '';
    quoted = false;
  };
  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    const batch: Cell[][] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (inQuotes) {
        if (ch === 34 /* " */) {
          field += text.slice(start, i);
          inQuotes = false;
          afterQuote = true;
        }
        continue;
      }
      if (ch === 34) {
        // `""` inside a quoted value: the first closed it, this one is a literal quote and reopens it.
        if (afterQuote) field += '"';
        inQuotes = true;
        quoted = true;
        afterQuote = false;
        start = i + 1;
        continue;
      }
      afterQuote = false;
      if (ch === 44 /* , */) endField();
      else if (ch === 10 /* \n */) {
        endField();
        batch.push(row);
        row = [];
      } else if (ch !== 13 /* \r */) field += text[i];
    }
    if (inQuotes) field += text.slice(start);
    if (batch.length) yield batch;
  }
  if (inQuotes) throw new Error('Athena result CSV ends inside a quoted value (truncated object?)');
  if (row.length || field !== '' || quoted) {
    endField();
    yield [row];
  }
}
