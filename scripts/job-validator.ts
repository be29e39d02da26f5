/**
 * `npm run validator:check`: fail (exit 1) when src/document/job-validator.generated.ts differs from
 * what the schema compiles to. `npm run validator:write`: regenerate it (after changing schema.ts).
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { GENERATED_VALIDATOR_FILE, jobValidatorSource } from '../src/document/validator-build.js';

const mode = process.argv[2];
if (mode !== '--check' && mode !== '--write') {
  console.error('usage: scripts/job-validator.ts --check | --write');
  process.exit(2);
}
const text = jobValidatorSource();
if (mode === '--write') {
  writeFileSync(GENERATED_VALIDATOR_FILE, text);
  console.log(`wrote ${GENERATED_VALIDATOR_FILE}`);
} else if ((existsSync(GENERATED_VALIDATOR_FILE) ? readFileSync(GENERATED_VALIDATOR_FILE, 'utf8') : '') === text) {
  console.log(`${GENERATED_VALIDATOR_FILE} matches the schema`);
} else {
  console.error(`${GENERATED_VALIDATOR_FILE} does not match src/document/schema.ts; run "npm run validator:write" and commit it`);
  process.exit(1);
}
