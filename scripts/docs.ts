/**
 * Writes the documentation that mirrors the code, so it cannot drift: `docs/reference.md` (refusal codes, patches,
 * search attributes, configuration variables, alarms) and the code samples embedded in the docs between
 * `<!-- sample: <path> -->` and `<!-- /sample -->` (the samples themselves are compiled by `npm run typecheck`).
 *
 *   npm run docs            rewrite what is stale
 *   npm run docs -- --check exit 1 naming each stale file (test/unit/docs.test.ts runs the same check)
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { z } from 'zod';
import { parseFlags, parseOrExit } from './cli/args';
import { SA } from '../workflows/shared/search-attributes';
import { staffRefusals } from '../workflows/shared/verified-staff';
import type { RefusalRule } from '../workflows/shared/failures';
import * as approvals from '../workflows/approvals/contract';
import * as disputes from '../workflows/disputes/contract';
import * as payouts from '../workflows/payouts/contract';
import * as payoutRuns from '../workflows/payout-runs/contract';
import * as sweeper from '../workflows/sweeper/contract';
import * as reconBreaks from '../workflows/recon-breaks/contract';

const ROOT = join(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const cell = (text: string) => text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();

function filesUnder(dir: string, ext = '.ts'): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ext))
    .map((f) => join(dir, f))
    .sort();
}

function sourceOf(path: string): ts.SourceFile {
  return ts.createSourceFile(path, read(path), ts.ScriptTarget.ES2022, true);
}

/** The JSDoc (or line comments) right above a node, as one line. */
function commentAbove(node: ts.Node, sf: ts.SourceFile): string {
  const all = ts.getLeadingCommentRanges(sf.text, node.getFullStart()) ?? [];
  // The JSDoc when there is one (a `//` line above it is a note on a group, not on this property).
  const docs = all.filter((r) => sf.text.startsWith('/**', r.pos));
  const ranges = docs.length > 0 ? docs : all;
  return ranges
    .map((r) => sf.text.slice(r.pos, r.end))
    .map((c) =>
      c
        .replace(/^\/\*\*?|\*\/$/g, '')
        .replace(/^\s*\*\s?/gm, '')
        .replace(/^\/\/\s?/gm, ''),
    )
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function visit(node: ts.Node, fn: (n: ts.Node) => void): void {
  fn(node);
  node.forEachChild((child) => visit(child, fn));
}

type Table = Readonly<Record<string, RefusalRule>>;

const isRule = (v: unknown): v is RefusalRule =>
  !!v &&
  typeof v === 'object' &&
  typeof (v as RefusalRule).type === 'string' &&
  typeof (v as RefusalRule).summary === 'string';

/** A contract's refusal table: its one export whose every value is a `{ type, summary }` row (`refusalTable`). */
function tableOf(contract: Record<string, unknown>): Table | undefined {
  const tables = Object.values(contract).filter(
    (v): v is Table => !!v && typeof v === 'object' && Object.keys(v).length > 0 && Object.values(v).every(isRule),
  );
  // A table may spread in another (approvals' spreads its rule groups): the largest one is the contract's.
  return tables.sort((a, b) => Object.keys(b).length - Object.keys(a).length)[0];
}

function refusalSection(): string[] {
  const domains: Array<[string, string, Record<string, unknown>]> = [
    ['Payouts', 'workflows/payouts/contract.ts', payouts],
    ['Payout runs', 'workflows/payout-runs/contract.ts', payoutRuns],
    ['Approvals', 'workflows/approvals/contract.ts', approvals],
    ['Disputes', 'workflows/disputes/contract.ts', disputes],
    ['Stuck-work sweeper', 'workflows/sweeper/contract.ts', sweeper],
    ['Reconciliation breaks', 'workflows/recon-breaks/contract.ts', reconBreaks],
  ];
  const out = [
    '## Refusal codes',
    '',
    "A refused command's `Verdict` carries `type` (a `FailureType`) and `code`; each contract declares its codes in one",
    'table (`refusalTable`, `workflows/shared/failures.ts`), policies return them and handlers throw them. Every staff',
    'command can also be refused for who sent it: those codes are listed once, under staff identity.',
  ];
  const rows = (table: Table) => [
    '| code | type | meaning |',
    '| --- | --- | --- |',
    ...Object.entries(table).map(([code, rule]) => `| \`${code}\` | ${rule.type} | ${cell(rule.summary)} |`),
  ];
  for (const [title, path, contract] of domains) {
    const table = tableOf(contract);
    if (!table) continue;
    const own = Object.fromEntries(Object.entries(table).filter(([code]) => !(code in staffRefusals)));
    out.push('', `### ${title} (\`${path}\`)`, '', ...rows(own));
  }
  out.push('', '### Staff identity, every domain (`workflows/shared/verified-staff.ts`)', '', ...rows(staffRefusals));
  return out;
}

function patchSection(): string[] {
  const files = filesUnder('workflows');
  const constants = new Map<string, string>();
  for (const path of files) {
    for (const m of read(path).matchAll(/const\s+([A-Z_][A-Z0-9_]*)\s*=\s*'([^']+)'/g)) constants.set(m[1]!, m[2]!);
  }
  const uses = new Map<string, Set<string>>();
  for (const path of files) {
    const text = read(path);
    for (const m of text.matchAll(/\b(?:patched|deprecatePatch)\(\s*(?:'([^']+)'|([A-Z_][A-Z0-9_]*))\s*\)/g)) {
      const name = m[1] ?? constants.get(m[2]!);
      if (!name) throw new Error(`${path}: patched(${m[2]}) names no string constant in workflows/`);
      if (!uses.has(name)) uses.set(name, new Set());
      uses.get(name)!.add(path);
    }
  }
  const out = [
    '## Patches',
    '',
    'Every `patched()` marker in the workflow code. A running workflow or a recorded history that predates a patch',
    'keeps its old path; `test/replay/histories/` holds histories recorded before them, replayed by `npm test` and by',
    '`npm run replay:gate` before a release. Remove a patch only after no execution of the old path is open.',
    '',
    '| patch | where |',
    '| --- | --- |',
  ];
  for (const [name, where] of [...uses].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`| \`${name}\` | ${[...where].map((w) => `\`${w}\``).join(', ')} |`);
  }
  return out;
}

function searchAttributeSection(): string[] {
  const path = 'workflows/shared/search-attributes.ts';
  const sf = sourceOf(path);
  const notes = new Map<string, string>();
  visit(sf, (n) => {
    if (ts.isPropertyAssignment(n) && ts.isIdentifier(n.name)) notes.set(n.name.text, commentAbove(n, sf));
  });
  const out = [
    '## Search attributes',
    '',
    `Every custom search attribute (\`${path}\`); \`npm start\` and the tests register exactly these.`,
    '',
    '| name | type | meaning |',
    '| --- | --- | --- |',
  ];
  for (const [name, key] of Object.entries(SA))
    out.push(`| \`${key.name}\` | ${key.type} | ${cell(notes.get(name) ?? '')} |`);
  return out;
}

/** The zod schemas of the process environment: a property `NAME: z…` with the comment above it. */
const ENV_FILES = [
  'workers/config.ts',
  'workers/config-operations.ts',
  'workers/config-recon.ts',
  'workers/config-adyen.ts',
  'codec/settings.ts',
  'codec/server-settings.ts',
  'decisions/config.ts',
  'decisions/console/config.ts',
];

function configSection(): string[] {
  const out = [
    '## Configuration variables',
    '',
    'Parsed with zod at start-up (an invalid value stops the process naming the variable). Defaults are local ones;',
    '`PAYOPS_MODE=aws` refuses local secrets and keys and requires what [configuration.md](configuration.md) lists.',
    '',
    '| variable | default | declared in | meaning |',
    '| --- | --- | --- | --- |',
  ];
  for (const path of ENV_FILES) {
    const sf = sourceOf(path);
    visit(sf, (n) => {
      if (!ts.isPropertyAssignment(n) || !ts.isIdentifier(n.name) || !/^[A-Z][A-Z0-9_]+$/.test(n.name.text)) return;
      const init = n.initializer.getText(sf);
      if (!/^(z\s*\.|[a-zA-Z]+\.(?:default|optional)\(|[a-zA-Z]+Schema\b|[a-zA-Z]+Text\b)/.test(init)) return;
      const dflt = /\.default\(([^()]*(?:\([^()]*\))?[^()]*)\)/.exec(init)?.[1]?.trim();
      const shown = dflt === undefined ? '' : `\`${cell(dflt.replace(/^'(.*)'$/, '$1'))}\``;
      out.push(`| \`${n.name.text}\` | ${shown} | \`${path}\` | ${cell(commentAbove(n, sf))} |`);
    });
  }
  return out;
}

function alarmSection(): string[] {
  const path = 'infra/cdk/lib/alarms.ts';
  const sf = sourceOf(path);
  const rows: string[] = [];
  // A template's substitutions are values of the stack (e.g. a margin): shown as `…`.
  const text = (e: ts.Expression | undefined): string => {
    if (!e) return '';
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
    if (ts.isTemplateExpression(e))
      return e.head.text + e.templateSpans.map((span) => `…${span.literal.text}`).join('');
    return e.getText(sf);
  };
  visit(sf, (n) => {
    if (ts.isCallExpression(n) && n.expression.getText(sf) === 'this.add' && ts.isStringLiteral(n.arguments[0]!)) {
      rows.push(`| \`${n.arguments[0].text}\` | ${cell(text(n.arguments[3]))} |`);
    }
    if (ts.isObjectLiteralExpression(n)) {
      const prop = (k: string) =>
        n.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText(sf) === k);
      const id = prop('id');
      const what = prop('what');
      if (id && what) rows.push(`| \`${text(id.initializer)}\` | stuck work: ${cell(text(what.initializer))} |`);
    }
  });
  return [
    '## Alarms',
    '',
    `Every CloudWatch alarm of the CDK stack (\`${path}\`); each notifies the alarms topic and clears on it.`,
    '',
    '| alarm | fires when |',
    '| --- | --- |',
    ...rows.sort(),
  ];
}

function reference(): string {
  return [
    '# Reference (generated)',
    '',
    '<!-- Generated by `npm run docs` from the code; edit the code, not this file. -->',
    '',
    ...refusalSection(),
    '',
    ...patchSection(),
    '',
    ...searchAttributeSection(),
    '',
    ...configSection(),
    '',
    ...alarmSection(),
    '',
  ].join('\n');
}

const SAMPLE = /(<!-- sample: (\S+) -->\n)[\s\S]*?(<!-- \/sample -->)/g;

/** A doc with each embedded sample replaced by the sample file's current text. */
function withSamples(text: string): string {
  return text.replace(SAMPLE, (_all, open: string, path: string, close: string) => {
    return `${open}\`\`\`ts\n${read(path).trimEnd()}\n\`\`\`\n${close}`;
  });
}

/** Every generated file with the text it should have. */
export function expectedDocs(): Map<string, string> {
  const out = new Map<string, string>([['docs/reference.md', reference()]]);
  for (const path of ['README.md', ...filesUnder('docs', '.md')]) {
    if (path === 'docs/reference.md') continue;
    const current = read(path);
    const next = withSamples(current);
    if (next !== current || SAMPLE.test(current)) out.set(path, next);
    SAMPLE.lastIndex = 0;
  }
  return out;
}

/** The generated files whose text on disk differs from what the code says. */
export function staleDocs(): string[] {
  return [...expectedDocs()].filter(([path, text]) => readOr(path) !== text).map(([path]) => path);
}

function readOr(path: string): string | undefined {
  try {
    return read(path);
  } catch {
    return undefined;
  }
}

const USAGE = `npm run docs [-- --check]   rewrite the generated docs, or (--check) exit 1 naming each stale one`;

if (require.main === module) {
  const { values } = parseOrExit('docs', USAGE, () =>
    parseFlags(process.argv.slice(2), { check: { type: 'boolean' } }, z.object({ check: z.boolean().default(false) })),
  );
  const check = values.check;
  const stale = staleDocs();
  if (check) {
    for (const path of stale) console.error(`stale: ${path} (run npm run docs)`);
    process.exit(stale.length > 0 ? 1 : 0);
  }
  for (const [path, text] of expectedDocs()) if (readOr(path) !== text) writeFileSync(join(ROOT, path), text);
  console.log(stale.length > 0 ? `rewrote ${stale.map((p) => relative('.', p)).join(', ')}` : 'docs are current');
}
