#!/usr/bin/env node
import { run } from '../dist/cli.js';

run(process).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`affil: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
