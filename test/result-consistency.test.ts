/**
 * One evaluation path: the residual table and the structure table (Tables S8/S9) of a fit result
 * say the same thing about the same structure at the same parameters, to the last digit either
 * prints, with `relax` true and false, at the start (maxIterations 0) and at the end of a fit.
 * Every fitted observable with a calculated value is compared with the structure table's value of
 * that property: at the residual table's precision (4 decimals) and as the structure table prints
 * it. Run over every job document in fixtures/ (two chemistries: partially charged Pb-Se-Cd and
 * formal-charge oxides).
 */
import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseJob } from '../src/document/parse.js';
import { runFit } from '../src/workflows/fit-job.js';
import type { FitResult } from '../src/workflows/results.js';
import { formatValue } from '../src/reports/tables.js';
import { FIXTURES } from './helpers/cells.js';
import { fixture } from './helpers/jobs.js';

/** Every job document in fixtures/ (the top level holds job documents only). */
const DOCUMENTS = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));

/** As the residual table prints a number (reports/tables.ts residualTable). */
const residualText = (x: number): string => (Math.abs(x) >= 1e5 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : x.toFixed(4));

/** "The end of a fit": at most this many iterations, which moves every parameter set used here well away from its start. */
const END_ITERATIONS = 8;

function disagreements(result: FitResult): string[] {
  const bad: string[] = [];
  for (const r of result.residuals) {
    if (r.calculated === null) continue;
    const s = result.structures.find((x) => x.id === r.structure);
    const v = s?.properties[r.property];
    if (v === undefined) {
      bad.push(`${r.structure}.${r.property}: in the residual table (${r.calculated}) but not in the structure table`);
      continue;
    }
    if (residualText(r.calculated) !== residualText(v)) bad.push(`${r.structure}.${r.property}: residual table ${residualText(r.calculated)}, structure table ${residualText(v)}`);
    // as the Fit column of Tables S8/S9 prints it
    const printed = formatValue(r.property, v);
    if (printed !== formatValue(r.property, r.calculated)) bad.push(`${r.structure}.${r.property}: printed ${printed} against ${formatValue(r.property, r.calculated)}`);
  }
  return bad;
}

for (const file of DOCUMENTS) {
  for (const relax of [true, false]) {
    for (const stage of ['start', 'end'] as const) {
      describe(`${file}, relax ${relax}, at the ${stage} of the fit`, () => {
        let result: FitResult;
        beforeAll(async () => {
          const doc = fixture(file);
          const maxIterations = stage === 'start' ? 0 : Math.min(doc.options?.maxIterations ?? 200, END_ITERATIONS);
          result = await runFit(parseJob({ ...doc, options: { ...doc.options, relax, maxIterations } }));
        }, 240_000);

        it('has fitted observables with calculated values to compare', () => {
          expect(result.residuals.filter((r) => r.calculated !== null).length).toBeGreaterThan(0);
        });

        it('the residual table and the structure table agree to the last printed digit', () => {
          expect(disagreements(result)).toEqual([]);
        });

        it('the structure table says whether the structures were relaxed as the fit was', () => {
          const notRelaxed = result.structures.filter((s) => s.warnings?.some((w) => w.kind === 'not-relaxed')).length;
          expect(notRelaxed).toBe(relax ? 0 : result.structures.length);
        });
      });
    }
  }
}
