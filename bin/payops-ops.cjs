#!/usr/bin/env node
'use strict';
require('./run-cli.cjs')('ops', 'scripts/ops.ts');
