import { it } from 'vitest';
import { relax, findSymmetryOperations, symmetryAdaptedBasis, coordination } from '../src/relaxation/index.js';
import { buildEnergyModel } from '../src/potentials/index.js';
import { getSpaceGroup } from '../src/crystal/spacegroups/index.js';
import { cartesianOperations } from '../src/crystal/expand.js';
import { Lattice } from '../src/crystal/lattice.js';
import { PUBLISHED } from './helpers/cells.js';
import { wurtzite, rockSalt } from './relax.helpers.js';

it('explore', () => {
  const model = buildEnergyModel({ charges: PUBLISHED.charges, pairs: PUBLISHED.pairs });
  const ops = cartesianOperations(getSpaceGroup('P6_3mc'), Lattice.fromParameters({ a: 4.3, b: 4.3, c: 7.01, alpha: 90, beta: 90, gamma: 120 }));
  const bench = (name: string, f: () => void, n = 50) => { f(); const t0 = performance.now(); for (let i = 0; i < n; i++) f(); console.log(name, ((performance.now() - t0) / n).toFixed(3), 'ms'); };
  for (const s of [wurtzite(4.3, 7.01, 0.375), rockSalt(6.12)]) {
    bench('findSym', () => findSymmetryOperations(s));
    bench('basis', () => symmetryAdaptedBasis(s, findSymmetryOperations(s)));
    bench('coordination', () => coordination(s));
    bench('model order2 (fresh structure)', () => model.compute(s.withPositions(s.positions), 2));
    bench('model order1 (fresh structure)', () => model.compute(s.withPositions(s.positions), 1));
  }
  const s = wurtzite(4.3, 7.01, 0.375);
  bench('relax wz', () => relax(model, s, { operations: ops }), 20);
  bench('relax wz no stability', () => relax(model, s, { operations: ops, checkStability: false }), 20);
});
