/**
 * The fit suite (fixtures/fit-suite/): every case parses, relaxes to a converged, Born-stable
 * structure at its published parameters (PbSe-HC/CdSe-HC of the reference case excepted: they end
 * on a documented cut-off kink), and its recorded starts follow the stated rule. One synthetic
 * recovery (the LJ halide, the cheapest) runs here; the whole suite runs in `npm run bench:fits`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJob } from '../src/document/parse.js';
import { caseIds, fitDocument, loadCase, loadStarts, relaxedProperties, syntheticDocument, withParameters } from '../bench/fits.js';
import { symmetricEigenvalues } from '../src/properties/elastic.js';

const KINKED = new Set(['CdSe-HC']);
const starts = JSON.parse(readFileSync(new URL('../fixtures/fit-suite/starts.json', import.meta.url), 'utf8'));

describe('fit suite', () => {
  it('has at least ten cases, each with five or more recorded, seeded starts', () => {
    expect(caseIds().length).toBeGreaterThanOrEqual(10);
    for (const id of caseIds()) {
      expect(loadStarts(id).length).toBeGreaterThanOrEqual(5);
      expect(Number.isInteger(starts[id].seed)).toBe(true);
    }
  });

  for (const id of caseIds()) {
    it(`${id}: parses, and the starts lie in the stated box (A × 0.5–2, others ± 10–20 %)`, () => {
      const doc = loadCase(id);
      const job = parseJob(doc);
      for (const s of loadStarts(id))
        for (const [name, v] of Object.entries(s)) {
          expect(job.vary).toContain(name);
          const [pair, k] = name.split('.');
          const pot = doc.potentials.find((p: { species: string[] }) => [...p.species].sort().join('-') === pair);
          const ratio = v / pot[k!];
          if (pot.type === 'buckingham' && k === 'A') expect(ratio >= 0.5 && ratio <= 2).toBe(true);
          else expect(Math.abs(Math.abs(ratio - 1) - 0.15)).toBeLessThanOrEqual(0.05 + 1e-12);
        }
    });

    it(`${id}: every structure relaxes, converged and Born-stable, at the published set`, async () => {
      for (const s of await relaxedProperties(loadCase(id))) {
        if (KINKED.has(s.id)) continue;
        expect(s.error).toBeUndefined();
        expect(s.converged).toBe(true);
        const p = s.properties;
        const C = [1, 2, 3, 4, 5, 6].map((i) => [1, 2, 3, 4, 5, 6].map((j) => p[`C${Math.min(i, j)}${Math.max(i, j)}`] ?? 0));
        expect(Math.min(...symmetricEigenvalues(C as never))).toBeGreaterThan(0);
      }
    }, 60_000);
  }

  it('synthetic recovery: the LJ halide comes back below 1e-8 of its start objective from a recorded start', async () => {
    const synth = await syntheticDocument(loadCase('nacl-lj'));
    const r = await fitDocument(withParameters(synth, loadStarts('nacl-lj')[0]!));
    expect(r.excluded).toBe(0);
    expect(r.initial).toBeGreaterThan(0.1); // the start is not the solution
    expect(r.objective).toBeLessThan(1e-8 * r.initial);
  }, 60_000);
});
