/**
 * Timings of the Ewald model (not a test): `node --import tsx bench/ewald.ts`.
 *
 * 1. energy + gradient + full Hessian of the eight 2- and 8-atom reference polymorphs, together
 *    (the product owner's goal: under 10 ms);
 * 2. energy + gradient of a rattled 512-atom zinc-blende supercell (goal: well under a second);
 * 3. with `--scan`, the same at α from cost ratios w = 1..12 (how EWALD_COST_RATIO was chosen).
 * Each figure is the best of five rounds after warm-up, in ms.
 */
import { EwaldModel, EWALD_COST_RATIO } from '../src/potentials/ewald/index.js';
import type { Structure } from '../src/crystal/structure.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { Lattice } from '../src/crystal/lattice.js';
import { Structure as S } from '../src/crystal/structure.js';
import type { Mat3 } from '../src/math/linalg.js';

const here = dirname(fileURLToPath(import.meta.url));
const cells = JSON.parse(readFileSync(resolve(here, '../fixtures/reference/independent-energies.json'), 'utf8')).structures as Record<
  string,
  { lattice: number[][]; species: string[]; cartesian: number[][] }
>;
const cell = (id: string): Structure => {
  const c = cells[id]!;
  return S.fromCartesian(Lattice.fromVectors(c.lattice as Mat3), c.species, c.cartesian.flat());
};
const charges = { Cd: 0.8, Pb: 0.8, Se: -0.8 };
const polymorphs = ['CdSe-WZ', 'CdSe-ZB', 'CdSe-RS', 'PbSe-RS', 'PbSe-CsCl', 'PbSe-ZB', 'CdSe-HC', 'PbSe-HC'].map(cell);
const large = cell('CdSe-ZB-rattled').supercell([4, 4, 4]);

function best(f: () => void, reps: number): number {
  for (let i = 0; i < 3; i++) f();
  let t = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    t = Math.min(t, (performance.now() - t0) / reps);
  }
  return t;
}

function report(label: string, model: (s: Structure) => EwaldModel): void {
  const models = polymorphs.map(model);
  const small = best(() => polymorphs.forEach((s, i) => models[i]!.compute(s, 2)), 20);
  const m = model(large);
  const big = best(() => m.compute(large, 1), 1);
  const p = m.parameters(large);
  console.log(
    `${label.padEnd(10)} 8 polymorphs, order 2: ${small.toFixed(2)} ms | 512 atoms, order 1: ${big.toFixed(0)} ms ` +
      `(α ${p.alpha.toFixed(3)} Å⁻¹, r_c ${p.realCutoff} Å, G_c ${p.reciprocalCutoff.toFixed(2)} Å⁻¹)`,
  );
}

report(`w = ${EWALD_COST_RATIO}`, () => new EwaldModel(charges));
if (process.argv.includes('--scan')) {
  for (const w of [1, 2, 3, 4, 6, 8, 12]) {
    const alpha = (s: Structure): number => {
      const raw = Math.pow((Math.PI ** 3 * w * s.numAtoms) / s.lattice.volume ** 2, 1 / 6);
      return Math.pow(2, Math.round(Math.log2(raw) * 8) / 8);
    };
    report(`w = ${w}`, (s) => new EwaldModel(charges, { alpha: alpha(s) }));
  }
}
