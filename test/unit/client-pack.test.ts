import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

describe('the typed client is a package of its own', () => {
  test('when client/ is built and packed, then the pack holds JavaScript and type declarations and no activity or worker code', () => {
    // The script builds client/ (tsc) into client/publish/dist, asks `npm pack --dry-run` for the file list and exits 1
    // when index.js / index.d.ts are missing or an activities/ or workers/ module came along.
    const out = execFileSync('npm', ['run', '--silent', 'check:client'], { cwd: root, encoding: 'utf8' });
    expect(out).toMatch(/^@payops\/client@\d+\.\d+\.\d+: \d+ files/m);
  });
});
