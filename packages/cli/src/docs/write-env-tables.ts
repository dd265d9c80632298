// `make docs`: rewrites the environment-variable tables of docs/operations.md from the config schemas.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEnvTables, replaceBlock } from './env-table.js';

const root = process.cwd();
const file = join(root, 'docs/operations.md');
const before = readFileSync(file, 'utf8');
const after = replaceBlock(before, renderEnvTables(root));
writeFileSync(file, after);
process.stdout.write(after === before ? 'docs/operations.md: tables already up to date\n' : 'docs/operations.md: tables regenerated\n');
