/**
 * `npm run check:client`: builds client/ into client/publish/dist and asks npm what `npm pack` would put in @payops/client. Fails unless the
 * entry point ships as JavaScript with its type declarations, and if any activity or worker module (AWS SDK, Stripe)
 * came along with the contracts.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const clientDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'client', 'publish');
const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: clientDir, encoding: 'utf8' }));
const paths = pack.files.map((f) => f.path);
const problems = [
  ...['dist/client/index.js', 'dist/client/index.d.ts'].filter((p) => !paths.includes(p)).map((p) => `missing ${p}`),
  ...paths.filter((p) => /^dist\/(activities|workers)\//.test(p)).map((p) => `not client code: ${p}`),
];
console.log(`${pack.name}@${pack.version}: ${paths.length} files, ${pack.size} bytes packed`);
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
