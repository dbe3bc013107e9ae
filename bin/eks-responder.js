#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so the installed command is always the checked-out code.
require('tsx/cjs');
require('../shared/cli/main.ts').main();
