'use strict';
/**
 * The CLIs' `bin` entries (`npx payops-finance …`) are plain JS: they load the TypeScript module through tsx's
 * CommonJS hook, then run its exported `main(argv, io)` on the process's arguments. npx runs a bin without npm's
 * `> script` banner, so `--json` output on stdout is one JSON document (`npx payops-finance list --json | jq`).
 */
const { join } = require('node:path');

module.exports = function runCli(name, modulePath) {
  require('tsx/cjs/api').register();
  const { runMain } = require(join(__dirname, '..', 'scripts', 'cli', 'args.ts'));
  const { main } = require(join(__dirname, '..', modulePath));
  runMain(name, main);
};
