/**
 * Charge fits on the suite's experimental cases: the plain default fit with the published charges
 * fixed, and the same fit with one cation charge varied (every other charge following in
 * proportion, so every structure stays neutral). Prints objective, fitted charge, iterations and
 * wall time. `node --import tsx bench/charge-fit.ts [-- case ...]` (default: mgo-cao srtio3-perovskite pbcdse-fit, the
 * reference case).
 */
import { readFileSync } from 'node:fs';
import { fitDocument } from '../src/workflows/fit-job.js';
import type { JobDocument } from '../src/document/schema.js';

const cases = process.argv.slice(2).filter((a) => a !== '--');
const ids = cases.length ? cases : ['mgo-cao', 'srtio3-perovskite', 'pbcdse-fit'];

for (const id of ids) {
  const file = id === 'pbcdse-fit' ? '../fixtures/pbcdse-fit.json' : `../fixtures/fit-suite/${id}.json`;
  const doc = JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as JobDocument;
  const cation = Object.entries(doc.species).find(([, s]) => s.charge > 0)![0];
  for (const varyCharge of [false, true]) {
    const d = structuredClone(doc);
    if (varyCharge) d.species[cation]!.vary = ['charge'];
    const t0 = performance.now();
    const r = await fitDocument(d);
    const ms = performance.now() - t0;
    const q = Object.entries(r.charges).map(([s, v]) => `${s} ${v.toFixed(4)}`).join(', ');
    const se = r.varied.find((v) => v.name.endsWith('.charge'))?.standardError;
    console.log(`${id.padEnd(20)} ${varyCharge ? `vary ${cation}.charge` : 'charges fixed    '}  objective ${r.objective.initial.toPrecision(5)} -> ${r.objective.final.toPrecision(8)}  charges ${q}${se !== undefined ? ` (standard error ${se.toPrecision(3)})` : ''}  iterations ${r.iterations}  ${r.stopReason}${r.warnings.some((w) => w.includes('.charge ends on a bound')) ? ' (charge on a bound)' : ''}  ${(ms / 1000).toFixed(2)} s`);
  }
}
