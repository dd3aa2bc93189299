import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needsAttention, startOutput } from '../../infra/local/start-output';

describe('npm start output (infra/local/start-output.ts)', () => {
  test("when the SDK logs the bundler's module listing, the PSP worker's no-workflows warning and an SDK notice, then they go to the log file only; a real warning or error reaches the terminal", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'payops-start-')), 'start.log');
    const terminal: string[] = [];
    const output = startOutput(file, (line) => terminal.push(line));
    output.logger.info(
      'asset workflow-bundle-937888e158a0f88daf8e.js 5.9 MiB [emitted]\n  modules by path ./node_modules/',
    );
    output.logger.info('Workflow bundle created', { size: '5.87MB' });
    output.logger.warn('No workflows registered, not polling for workflow tasks', { taskQueue: 'payouts-psp' });
    output.warning(
      Object.assign(new Error('The AWS SDK for JavaScript (v3) will stop supporting'), {
        name: 'NodeDeprecationWarning',
      }),
    );
    output.logger.warn('Worker failed to poll: connection refused');
    output.logger.error('Activity failed unexpectedly');
    await output.close();

    expect(terminal).toEqual([
      '[warn] Worker failed to poll: connection refused',
      '[error] Activity failed unexpectedly',
    ]);
    const log = readFileSync(file, 'utf8');
    for (const detail of [
      'modules by path',
      'Workflow bundle created',
      'No workflows registered',
      'NodeDeprecationWarning',
    ])
      expect(log).toContain(detail);
  });

  test('when a line is info or debug, then it never needs attention; an unexpected warning does', () => {
    expect(needsAttention('INFO', 'anything')).toBe(false);
    expect(needsAttention('DEBUG', 'anything')).toBe(false);
    expect(needsAttention('WARN', 'No workflows registered, not polling for workflow tasks')).toBe(false);
    expect(needsAttention('WARN', 'Activity heartbeat timed out')).toBe(true);
  });
});
