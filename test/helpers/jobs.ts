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
  // drop properties that refer to structures left out
  for (const s of doc.structures)
    for (const [k, t] of Object.entries(s.properties ?? {})) {
      const ref = (t as { reference?: string; to?: string }).reference ?? (t as { to?: string }).to;
      if (ref && !ids.includes(ref)) delete s.properties![k];
    }
  return doc;
}
