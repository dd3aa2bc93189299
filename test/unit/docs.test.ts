import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectedDocs, staleDocs } from '../../scripts/docs';

const ROOT = join(__dirname, '..', '..');

describe('the docs that mirror the code', () => {
  it('when the code and the generated docs are compared, then nothing is stale (run `npm run docs` to fix)', () => {
    expect(staleDocs()).toEqual([]);
  });

  it('when a patch is added to the workflow code, then the reference lists it', () => {
    const reference = expectedDocs().get('docs/reference.md')!;
    const patches = execFileSync('grep', ['-rhoE', "patched\\('[a-z0-9-]+'\\)", join(ROOT, 'workflows')], {
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean)
      .map((m) => /'([^']+)'/.exec(m)![1]!);
    expect(patches.length).toBeGreaterThan(10);
    for (const name of patches) expect(reference).toContain(`| \`${name}\` |`);
  });

  it('when a doc embeds a sample, then it is the sample file as the typecheck compiled it', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const sample = /<!-- sample: (\S+) -->/.exec(readme);
    expect(sample).not.toBeNull();
    expect(readme).toContain(readFileSync(join(ROOT, sample![1]!), 'utf8').trimEnd());
  });
});
