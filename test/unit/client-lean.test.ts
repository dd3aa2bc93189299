import { relative, sep } from 'node:path';

const repoRoot = relative(process.cwd(), `${__dirname}/../..`) || '.';

/** Module files the typed client brought in, relative to the repository root, with `/` separators. */
function modulesLoadedBy(load: () => void): string[] {
  let keys: string[] = [];
  jest.isolateModules(() => {
    load();
    keys = Object.keys(require.cache);
  });
  return keys.map((key) => relative(repoRoot, key).split(sep).join('/'));
}

describe('the typed client is lean', () => {
  test('when client/index.ts is loaded, then no AWS SDK, Stripe, activity or worker module comes with it', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous load inside isolateModules
    const loaded = modulesLoadedBy(() => require('../../client'));

    expect(loaded).toContain('client/index.ts');
    expect(loaded.some((path) => /(^|\/)node_modules\/@temporalio\/client\//.test(path))).toBe(true);
    const heavy = loaded.filter(
      (path) =>
        /(^|\/)node_modules\/(@aws-sdk|stripe)\//.test(path) ||
        path.startsWith('activities/') ||
        path.startsWith('workers/'),
    );
    expect(heavy).toEqual([]);
  });
});
