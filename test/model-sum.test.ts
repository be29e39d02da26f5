/**
 * The contract suite on the full energy model of a force field (Ewald + Buckingham, summed), the
 * model every relaxation, property and fit uses.
 */
import { describe, it, expect } from 'vitest';
import { buildEnergyModel, withParameters, type ForceField } from '../src/potentials/index.js';
import { PairModel } from '../src/potentials/pair.js';
import { close } from './helpers/tolerances.js';
import { runContractSuite } from './helpers/contract.js';
import { PUBLISHED, referenceStructure, triclinicCell } from './helpers/cells.js';

runContractSuite(
  'Ewald + Buckingham (buildEnergyModel)',
  () => buildEnergyModel({ charges: PUBLISHED.charges, pairs: PUBLISHED.pairs.map((p) => ({ ...p, params: { ...p.params } })) }),
  {
    'PbSe-RS-rattled': () => referenceStructure('PbSe-RS-rattled'),
    'triclinic CdSe': () => triclinicCell(),
  },
);

/**
 * The sum model answers parameter questions like any other model: its parameters are those of its
 * parametrised parts, `withParameterValues` is the model of the force field with those values, and
 * its parameter derivatives are central differences of its own energy and first derivatives
 * (logarithmic derivatives p ∂/∂p, as in pair.test.ts).
 */
describe('the force-field model as a parametrised model', () => {
  const ff = (): ForceField => ({ charges: PUBLISHED.charges, pairs: PUBLISHED.pairs.map((p) => ({ ...p, params: { ...p.params } })) });
  const model = buildEnergyModel(ff());
  const s = referenceStructure('CdSe-WZ-rattled');

  it('its parameters are the pair parameters, in pair order', () => {
    expect(model.parameterNames).toEqual(new PairModel(ff().pairs).parameterNames);
    expect(Array.from(model.parameterValues())).toEqual(Array.from(new PairModel(ff().pairs).parameterValues()));
  });

  it('withParameterValues gives the energy and derivatives of the force field built with those values, sharing the Coulomb part', () => {
    const v = model.parameterValues().map((x, k) => x * (1 + 0.01 * (k + 1)));
    const moved = model.withParameterValues(v);
    const named = Object.fromEntries(model.parameterNames.map((n, k) => [n, v[k]!]));
    const rebuilt = buildEnergyModel(withParameters(ff(), named));
    const a = moved.compute(s, 2), b = rebuilt.compute(s, 2);
    expect(a.energy).toBe(b.energy);
    expect(Array.from(a.gradient!)).toEqual(Array.from(b.gradient!));
    expect(Array.from(a.hessian!)).toEqual(Array.from(b.hessian!));
    expect(moved.models[0]).toBe(model.models[0]);
  });

  it('∂E/∂p and ∂(gradient, strain)/∂p equal central differences of the summed model', () => {
    const names = model.parameterNames.filter((n) => !n.startsWith('Pb'));
    const pd = model.parameterDerivatives(s, names);
    const base = model.parameterValues();
    const bad: string[] = [];
    names.forEach((name, q) => {
      const k = model.parameterNames.indexOf(name);
      const p = base[k]!, h = 1e-6 * Math.abs(p);
      const at = (x: number) => {
        const v = base.slice();
        v[k] = x;
        return model.withParameterValues(v).compute(s, 1);
      };
      const plus = at(p + h), minus = at(p - h);
      if (!close(p * pd.dEnergy[q]!, (p * (plus.energy - minus.energy)) / (2 * h))) bad.push(`${name}: energy`);
      const n = s.numAtoms;
      for (let c = 0; c < 3 * n + 6; c++) {
        const fp = c < 3 * n ? plus.gradient![c]! : plus.strain![c - 3 * n]!;
        const fm = c < 3 * n ? minus.gradient![c]! : minus.strain![c - 3 * n]!;
        if (!close(p * pd.dFirst[q]![c]!, (p * (fp - fm)) / (2 * h))) bad.push(`${name}: first derivative ${c}`);
      }
    });
    expect(bad).toEqual([]);
  });

  it('a name no part owns is UNKNOWN_PARAMETER', () => {
    expect(() => model.parameterDerivatives(s, ['Cd-Se.Q'])).toThrow(expect.objectContaining({ code: 'UNKNOWN_PARAMETER' }));
  });
});
