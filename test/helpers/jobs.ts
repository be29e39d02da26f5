/** Job documents for tests: the shared examples and small generated ones. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from './cells.js';
import type { JobDocument } from '../../src/document/schema.js';

export function fixture(name: string): JobDocument {
  return JSON.parse(readFileSync(resolve(ROOT, 'fixtures', name), 'utf8'));
}

/** The published Pb-Se-Cd document restricted to some structures (targets kept). */
export function publishedSubset(ids: string[]): JobDocument {
  const doc = fixture('pbcdse-published.json');
  doc.structures = doc.structures.filter((s) => ids.includes(s.id));
  return doc;
}
