/**
 * `npm run openapi:check`: fail (exit 1) when openapi/openapi.json differs from the routes.
 * `npm run openapi:write`: regenerate it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { OPENAPI_FILE, generateOpenApi, openApiDrift, serialiseOpenApi } from '../src/http/openapi.js';

const mode = process.argv[2];
if (mode !== '--check' && mode !== '--write') {
  console.error('usage: scripts/openapi.ts --check | --write');
  process.exit(2);
}
const doc = await generateOpenApi();
const text = serialiseOpenApi(doc);
const file = relative(process.cwd(), OPENAPI_FILE);
if (mode === '--write') {
  mkdirSync(dirname(OPENAPI_FILE), { recursive: true });
  writeFileSync(OPENAPI_FILE, text);
  console.log(`wrote ${file} (${Object.keys(doc.paths as object).length} paths)`);
} else {
  const committed = existsSync(OPENAPI_FILE) ? readFileSync(OPENAPI_FILE, 'utf8') : '';
  if (committed === text) {
    console.log(`${file} matches the routes`);
  } else {
    const drift = committed ? openApiDrift(JSON.parse(committed) as Record<string, unknown>, doc) : ['(the file is missing)'];
    console.error(`${file} does not match the routes; run "npm run openapi:write" and commit it:\n${(drift.length ? drift : ['(formatting only)']).map((l) => `  ${l}`).join('\n')}`);
    process.exit(1);
  }
}
