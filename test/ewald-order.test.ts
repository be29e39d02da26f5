/**
 * The Ewald split of a large cell depends on the derivative order (parameters.ts,
 * EWALD_HESSIAN_COST_RATIO): second derivatives use a smaller α than energy and gradient. Both
 * choices converge the sums to the accuracy, and the second derivatives are exact derivatives of
 * the energy computed at their own α. Small cells use one α for every order.
 */
import { describe, expect, it } from 'vitest';
import { EwaldModel, LARGE_CELL_ATOMS, balancedAlpha } from '../src/potentials/ewald/index.js';
import { referenceStructure, PUBLISHED } from './helpers/cells.js';

// a rattled wurtzite CdSe supercell of 4 × 4 × 2 cells (128 atoms: the smallest "large" cell)
const large = referenceStructure('CdSe-WZ-rattled').supercell([4, 4, 2]);
const accuracy = 1e-8;

describe('the Ewald split by derivative order', () => {
  it('uses one α for every order below LARGE_CELL_ATOMS and a smaller one for the Hessian of a large cell', () => {
    const small = referenceStructure('CdSe-WZ-rattled');
    expect(balancedAlpha(small.numAtoms, small.lattice.volume, 2)).toBe(balancedAlpha(small.numAtoms, small.lattice.volume, 1));
    expect(large.numAtoms).toBeGreaterThanOrEqual(LARGE_CELL_ATOMS);
    const m = new EwaldModel(PUBLISHED.charges);
    expect(m.parameters(large, 2).alpha).toBeLessThan(m.parameters(large, 1).alpha);
    expect(m.parameters(large, 0).alpha).toBe(m.parameters(large, 1).alpha);
  });

  it('gives the same energy, gradient and stress to the accuracy at either α', () => {
    const m = new EwaldModel(PUBLISHED.charges, { accuracy });
    const e1 = m.compute(large, 1), e2 = m.compute(large, 2);
    const n = large.numAtoms;
    expect(Math.abs(e2.energy - e1.energy) / n).toBeLessThan(accuracy);
    let gmax = 0;
    for (let i = 0; i < 3 * n; i++) gmax = Math.max(gmax, Math.abs(e2.gradient![i]! - e1.gradient![i]!));
    expect(gmax).toBeLessThan(1e3 * accuracy); // eV/Å; the forces are of order 1 eV/Å
    for (let k = 0; k < 6; k++) expect(Math.abs(e2.strain![k]! - e1.strain![k]!) / n).toBeLessThan(1e2 * accuracy);
  });

  it('has a Hessian equal to the central difference of its own gradient (a column per atom of one cell)', () => {
    const m = new EwaldModel(PUBLISHED.charges, { accuracy });
    const p = m.parameters(large, 2);
    const h = m.compute(large, 2).hessian!;
    const dim = 3 * large.numAtoms + 6;
    const step = 1e-4;
    let worst = 0, scale = 0;
    for (const col of [0, 4, 11]) {
      const x = Float64Array.from(large.positions);
      x[col]! += step;
      const gp = m.compute(large.withPositions(x), 1, p).gradient!;
      x[col]! -= 2 * step;
      const gm = m.compute(large.withPositions(x), 1, p).gradient!;
      for (let r = 0; r < 3 * large.numAtoms; r++) {
        const fd = (gp[r]! - gm[r]!) / (2 * step);
        worst = Math.max(worst, Math.abs(fd - h[r * dim + col]!));
        scale = Math.max(scale, Math.abs(h[r * dim + col]!));
      }
    }
    expect(worst).toBeLessThan(1e-5 * scale);
  });
});
