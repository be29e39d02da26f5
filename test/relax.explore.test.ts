import { it } from 'vitest';
import { relax, findSymmetryOperations } from '../src/relaxation/index.js';
import { buildEnergyModel } from '../src/potentials/index.js';
import { getSpaceGroup } from '../src/crystal/spacegroups/index.js';
import { cartesianOperations } from '../src/crystal/expand.js';
import { Lattice } from '../src/crystal/lattice.js';
import { PUBLISHED } from './helpers/cells.js';
import { wurtzite, rockSalt, rattle } from './relax.helpers.js';

it('explore', () => {
  const model = buildEnergyModel({ charges: PUBLISHED.charges, pairs: PUBLISHED.pairs });
  const hexOps = (a: number, c: number, sg: string) => cartesianOperations(getSpaceGroup(sg), Lattice.fromParameters({ a, b: a, c, alpha: 90, beta: 90, gamma: 120 }));
  for (const p of [0, 2, 5, 10, 20, 40]) {
    const s = wurtzite(4.3, 7.01, 0.375);
    const r = relax(model, s, { operations: hexOps(4.3, 7.01, 'P6_3mc'), pressureGPa: p });
    const f = r.structure.fractional;
    console.log('WZ p', p, r.converged, r.iterations, r.structure.lattice.parameters.a.toFixed(5), r.structure.lattice.parameters.c.toFixed(5), (f[8]! - f[2]!).toFixed(6), r.warnings.map((w) => w.kind + ': ' + w.message).join(' | '));
  }
  // HC started off u=0.5 in P6_3mc
  {
    const s = wurtzite(4.56, 5.94, 0.47);
    const r = relax(model, s, { operations: hexOps(4.56, 5.94, 'P6_3mc') });
    const f = r.structure.fractional;
    console.log('HC->?', r.converged, r.iterations, r.structure.lattice.parameters.a.toFixed(5), r.structure.lattice.parameters.c.toFixed(5), (f[8]! - f[2]!).toFixed(6), r.warnings.map((w) => w.kind + ': ' + w.message).join(' | '));
  }
  // P1 rattle of rock salt
  const rs = rockSalt(6.12);
  const sym = relax(model, rs, { operations: findSymmetryOperations(rs) });
  for (const method of ['newton', 'bfgs'] as const) {
    const t0 = performance.now();
    const r = relax(model, rattle(rs, 0.02, 0.005, 3), { method });
    console.log('P1', method, r.converged, r.iterations, r.evaluations, (performance.now() - t0).toFixed(0), 'ms', JSON.stringify(r.structure.lattice.parameters), sym.structure.lattice.parameters.a, r.energy - sym.energy, r.warnings.map((w) => w.kind + ': ' + w.message).join(' | '));
  }
  // timing breakdown
  const s = wurtzite(4.3, 7.01, 0.375);
  const ops = hexOps(4.3, 7.01, 'P6_3mc');
  for (let k = 0; k < 3; k++) {
    let t0 = performance.now();
    for (let i = 0; i < 10; i++) model.compute(s, 2);
    const tH = (performance.now() - t0) / 10;
    t0 = performance.now();
    for (let i = 0; i < 10; i++) model.compute(s, 1);
    const tG = (performance.now() - t0) / 10;
    t0 = performance.now();
    for (let i = 0; i < 10; i++) relax(model, s, { operations: ops });
    const tR = (performance.now() - t0) / 10;
    t0 = performance.now();
    for (let i = 0; i < 10; i++) findSymmetryOperations(s);
    const tF = (performance.now() - t0) / 10;
    t0 = performance.now();
    for (let i = 0; i < 10; i++) relax(model, s, { operations: ops, checkStability: false });
    const tR2 = (performance.now() - t0) / 10;
    console.log('ms: hessian', tH.toFixed(2), 'grad', tG.toFixed(2), 'relax', tR.toFixed(2), 'relax w/o stability', tR2.toFixed(2), 'findSym', tF.toFixed(2));
  }
});
