import { withoutSourcesContent } from '../../workers/build-bundle';

const MARK = '//# sourceMappingURL=data:application/json;base64,';
const inline = (map: object) => `${MARK}${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
const mapOf = (code: string) => {
  const base64 = code.indexOf('base64,', code.lastIndexOf('//# sourceMappingURL=data:')) + 'base64,'.length;
  return JSON.parse(Buffer.from(code.slice(base64).trim(), 'base64').toString('utf8')) as Record<string, unknown>;
};

describe('the workflow bundle ships its source map without the sources', () => {
  const map = {
    version: 3,
    file: 'workflow-bundle.js',
    sources: ['/repo/workflows/payouts/workflow.ts'],
    sourcesContent: ['export async function creatorPayout() { /* the whole module */ }'],
    names: ['creatorPayout'],
    mappings: 'AAAA,SAAS',
  };
  const code = `/*! payops-trust-environment=aws */\nvar x = 1;\n${inline(map)}`;

  test('when a bundle is written, then its map keeps mappings, sources and names but no sourcesContent', () => {
    const out = withoutSourcesContent(code);
    expect(out.startsWith('/*! payops-trust-environment=aws */\nvar x = 1;\n')).toBe(true);
    const { sourcesContent, ...rest } = map;
    expect(sourcesContent).toBeDefined();
    expect(mapOf(out)).toEqual(rest);
    expect(out.length).toBeLessThan(code.length);
  });

  test('when the map is inlined with a charset, then it is found as the SDK finds it', () => {
    const withCharset = code.replace('application/json;base64,', 'application/json;charset=utf-8;base64,');
    expect(mapOf(withoutSourcesContent(withCharset)).sourcesContent).toBeUndefined();
  });

  test('when the bundle has no inline source map, then the build refuses (the SDK would refuse to load it)', () => {
    expect(() => withoutSourcesContent('var x = 1;\n')).toThrow(/no inline source map/);
  });
});
