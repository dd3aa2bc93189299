#!/usr/bin/env node
'use strict';
require('./run-cli.cjs')('finance', 'scripts/finance.ts');
