/**
 * The property suite (src/properties/crystal.ts and index.ts) on the published Pb-Se-Cd model:
 * which cell is computed on, the relaxed state, its description, and the report of a whole job.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../src/errors.js';
import type { EnergyModel } from '../src/potentials/model.js';
import { ELASTIC_NAMES } from '../src/properties/vocabulary.js';
import { parseJob } from '../src/document/parse.js';
import { describeCrystal, prepareCrystal, relaxCrystal, conventionalStructure } from '../src/properties/crystal.js';
import { elasticConstants } from '../src/properties/elastic.js';
import { computationOrder, computeProperties, type PropertiesReport, type StructureProperties } from '../src/properties/index.js';
import { TOL } from './helpers/tolerances.js';
import { TIGHT, crystal, maxDiff, published, publishedDocument, relaxedCrystal } from './helpers/properties.js';
import { evPerA3ToGPa } from '../src/units/index.js';

describe('prepareCrystal', () => {
  it('computes an F-centred crystal on its primitive cell, with a quarter of the atoms', () => {
    const p = prepareCrystal(crystal('CdSe-ZB'));
    expect(p.primitive).toBe(true);
    expect(p.structure.numAtoms).toBe(crystal('CdSe-ZB').structure.numAtoms / 4);
    expect(p.z).toBe(1);
  });

  it('keeps a primitive (P) crystal on its own cell', () => {
    const p = prepareCrystal(crystal('CdSe-WZ'));
    expect(p.primitive).toBe(false);
    expect(p.structure).toBe(crystal('CdSe-WZ').structure);
  });

  it('keeps the Cartesian frame: the primitive cell’s atoms are atoms of the conventional cell', () => {
    const c = crystal('PbSe-RS');
    const p = prepareCrystal(c);
    for (let a = 0; a < p.structure.numAtoms; a++) {
      const r = p.structure.position(a);
      const f = c.structure.lattice.cartToFrac(r);
      const hit = c.structure.species.some((s, i) => {
        if (s !== p.structure.species[a]) return false;
        const g = c.structure.lattice.cartToFrac(c.structure.position(i));
        return f.every((x, k) => Math.abs(x - g[k]! - Math.round(x - g[k]!)) < 1e-12);
      });
      expect(hit).toBe(true);
    }
  });

  it('maps every atom to its asymmetric-unit site', () => {
    const p = prepareCrystal(crystal('CdSe-ZB'));
    expect(p.siteOfAtom.map((s) => crystal('CdSe-ZB').sites[s]!.species)).toEqual([...p.structure.species]);
  });

  it('finds the z of both wurtzite sites free and of both honeycomb sites fixed', () => {
    expect(prepareCrystal(crystal('CdSe-WZ')).freeZ).toEqual([true, true]);
    expect(prepareCrystal(crystal('CdSe-HC')).freeZ).toEqual([false, false]);
  });
});

describe('relaxCrystal', () => {
  it('ends at a minimum: the gradient with respect to positions is zero', () => {
    const { relaxed } = relaxedCrystal('CdSe-WZ');
    const g = published().model.compute(relaxed.structure, 1).gradient!;
    expect(Math.max(...Array.from(g, Math.abs))).toBeLessThan(TOL.propertiesForceEvA);
  });

  it('ends at a minimum: the stress is zero at zero pressure', () => {
    const { relaxed } = relaxedCrystal('CdSe-WZ');
    expect(evPerA3ToGPa(relaxed.maxStress)).toBeLessThan(TOL.propertiesStressGPa);
    expect(relaxed.converged).toBe(true);
  });

  it('balances the external pressure: hydrostatic pressure equals the one asked', () => {
    const p = prepareCrystal(crystal('PbSe-RS'));
    const r = relaxCrystal(published().model, p, { ...TIGHT, pressure: 5 / 160.2176634 });
    expect(Math.abs(evPerA3ToGPa(r.measuredPressure) - 5)).toBeLessThan(TOL.propertiesStressGPa);
    expect(r.enthalpy - r.energy).toBeCloseTo((5 / 160.2176634) * r.structure.lattice.volume, 12);
  });

  it('a warm start from the relaxed geometry needs no iteration', () => {
    const { prepared, relaxed } = relaxedCrystal('CdSe-WZ');
    const again = relaxCrystal(published().model, prepared, { ...TIGHT, start: relaxed });
    expect(again.iterations).toBe(0);
    expect(again.energy).toBe(relaxed.energy);
  });

  it('keeps the standard orientation: a along x, b in the xy-plane of the conventional cell', () => {
    const { relaxed } = relaxedCrystal('CdSe-WZ');
    const L = relaxed.conventionalLattice.matrix;
    expect(Math.abs(L[0][1]) + Math.abs(L[0][2]) + Math.abs(L[1][2])).toBeLessThan(1e-12);
  });
});

describe('primitive and conventional cells', () => {
  for (const id of ['CdSe-ZB', 'PbSe-RS']) {
    it(`${id}: give the same energy per formula unit`, () => {
      const prim = relaxedCrystal(id).relaxed;
      const conv = relaxedCrystal(id, { primitive: false }).relaxed;
      expect(conv.prepared.structure.numAtoms).toBe(4 * prim.prepared.structure.numAtoms);
      expect(Math.abs(prim.energyPerFormulaUnit - conv.energyPerFormulaUnit)).toBeLessThan(TOL.cellChoiceEnergyEv);
    });

    it(`${id}: give the same relaxed-ion C_ij`, () => {
      const prim = relaxedCrystal(id).relaxed;
      const conv = relaxedCrystal(id, { primitive: false }).relaxed;
      const { model } = published();
      expect(maxDiff(elasticConstants(model, prim.structure).relaxed, elasticConstants(model, conv.structure).relaxed)).toBeLessThan(TOL.cellChoiceElasticGPa);
    });

    it(`${id}: give the same description (cell, sites, volume per formula unit)`, () => {
      const a = describeCrystal(relaxedCrystal(id).relaxed);
      const b = describeCrystal(relaxedCrystal(id, { primitive: false }).relaxed);
      expect(Math.abs(a.cell.a - b.cell.a)).toBeLessThan(TOL.relaxGeometry);
      expect(Math.abs(a.volumePerFormulaUnit - b.volumePerFormulaUnit)).toBeLessThan(TOL.relaxGeometry);
      expect(maxDiff(a.sites.map((s) => s.frac), b.sites.map((s) => s.frac))).toBeLessThan(TOL.relaxGeometry);
    });
  }

  it('the conventional cell rebuilt from the relaxed primitive one has the energy of four primitive cells', () => {
    const { relaxed } = relaxedCrystal('CdSe-ZB');
    const conv = conventionalStructure(relaxed);
    const e = published().model.compute(conv, 0).energy;
    expect(Math.abs(e - 4 * relaxed.energy)).toBeLessThan(4 * TOL.cellChoiceEnergyEv);
  });
});

describe('describeCrystal', () => {
  it('wurtzite: u is z(Se) − z(Cd) of the relaxed asymmetric unit', () => {
    const d = describeCrystal(relaxedCrystal('CdSe-WZ').relaxed, published().job.forceField.charges);
    const dz = d.sites[1]!.frac[2] - d.sites[0]!.frac[2];
    expect(d.u).toBeCloseTo(dz - Math.floor(dz), 12);
    expect(d.u!).toBeGreaterThan(0.3);
    expect(d.u!).toBeLessThan(0.45);
  });

  it('wurtzite: the anion is found from the charges whatever the site order', () => {
    const { relaxed } = relaxedCrystal('CdSe-WZ');
    const charges = { Cd: 0.8, Se: -0.8 };
    const swapped = describeCrystal(relaxed, { Cd: -0.8, Se: 0.8 }).u!;
    const u = describeCrystal(relaxed, charges).u!;
    expect(swapped).toBeCloseTo(1 - u, 12);
  });

  it('wurtzite: x and y of both sites stay at 1/3, 2/3 (kept by symmetry)', () => {
    const d = describeCrystal(relaxedCrystal('CdSe-WZ').relaxed);
    for (const s of d.sites) {
      expect(s.frac[0]).toBeCloseTo(1 / 3, 9);
      expect(s.frac[1]).toBeCloseTo(2 / 3, 9);
    }
  });

  it('honeycomb: no u (its z coordinates are fixed by the mirror)', () => {
    expect(describeCrystal(relaxedCrystal('CdSe-HC').relaxed).u).toBeUndefined();
  });

  it('zinc blende: the conventional cell is cubic and holds four formula units', () => {
    const d = describeCrystal(relaxedCrystal('CdSe-ZB').relaxed);
    expect(d.cell.b).toBeCloseTo(d.cell.a, 10);
    expect(d.cell.c).toBeCloseTo(d.cell.a, 10);
    for (const ang of [d.cell.alpha, d.cell.beta, d.cell.gamma]) expect(ang).toBeCloseTo(90, 9);
    expect(d.volumePerFormulaUnit).toBeCloseTo(d.cell.a ** 3 / 4, 9);
  });
});

describe('computationOrder', () => {
  const named = (): Set<string> => new Set(published().job.targets.flatMap((s) => [s.properties.relativeEnergy?.reference, s.properties.transitionPressure?.to]).filter((x): x is string => !!x));

  it('computes every structure named as a reference or a transition partner before the others', () => {
    const order = computationOrder(published().job.structures, published().job.targets).map((s) => s.id);
    const refs = named();
    const lastNamed = Math.max(...[...refs].map((id) => order.indexOf(id)));
    const firstOther = Math.min(...order.filter((id) => !refs.has(id)).map((id) => order.indexOf(id)));
    expect(lastNamed).toBeLessThan(firstOther);
  });

  it('puts a reference before the structure naming it unless the two name each other', () => {
    const structures = published().job.structures;
    const order = computationOrder(structures, published().job.targets).map((s) => s.id);
    const refsOf = (id: string): string[] => {
      const s = published().job.targets.find((x) => x.id === id)!;
      return [s.properties.relativeEnergy?.reference, s.properties.transitionPressure?.to].filter((x): x is string => !!x);
    };
    for (const s of structures)
      for (const ref of refsOf(s.id)) if (!refsOf(ref).includes(s.id)) expect(order.indexOf(ref), `${ref} before ${s.id}`).toBeLessThan(order.indexOf(s.id));
  });

  it('lists every structure once', () => {
    const order = computationOrder(published().job.structures, published().job.targets).map((s) => s.id);
    expect([...order].sort()).toEqual(published().job.structures.map((s) => s.id).sort());
  });
});

describe('computeProperties on the published job', () => {
  let report: PropertiesReport;
  const byId = (id: string): StructureProperties => report.structures.find((s) => s.id === id)!;
  beforeAll(async () => {
    const { job, model } = published();
    report = await computeProperties(job, model);
  });

  it('reports every structure of the document, in document order', () => {
    expect(report.structures.map((s) => s.id)).toEqual(published().job.structures.map((s) => s.id));
  });

  it('reports the cell, volume, all 21 C_ij, the moduli and the lattice energy of every structure', () => {
    const names = ['a', 'b', 'c', 'alpha', 'beta', 'gamma', 'volume', ...ELASTIC_NAMES, 'B', 'BVoigt', 'BReuss', 'BHill', 'G', 'GVoigt', 'GReuss', 'GHill', 'latticeEnergy'];
    for (const s of report.structures) {
      expect(s.error, s.id).toBeUndefined();
      for (const n of names) expect(Number.isFinite(s.properties[n]), `${s.id}.${n}`).toBe(true);
    }
  });

  it('B is the Reuss and G the Hill modulus by default', () => {
    for (const s of report.structures) {
      expect(s.properties.B).toBe(s.properties.BReuss);
      expect(s.properties.G).toBe(s.properties.GHill);
    }
  });

  it('reports u for wurtzite only', () => {
    expect(report.structures.filter((s) => s.properties.u !== undefined).map((s) => s.id)).toEqual(['CdSe-WZ']);
  });

  it('relative energies are lattice-energy differences against the reference', () => {
    for (const s of published().job.targets) {
      const ref = s.properties.relativeEnergy?.reference;
      if (!ref) continue;
      expect(byId(s.id).properties.relativeEnergy).toBeCloseTo(byId(s.id).properties.latticeEnergy! - byId(ref).properties.latticeEnergy!, 12);
    }
  });

  it('reports a transition pressure where the document asks for one', () => {
    for (const s of published().job.targets) {
      const to = s.properties.transitionPressure?.to;
      if (!to) continue;
      const t = byId(s.id).transition!;
      expect(t.to).toBe(to);
      expect(Number.isFinite(byId(s.id).properties.transitionPressure)).toBe(true);
      expect(evPerA3ToGPa(t.pressure!)).toBe(byId(s.id).properties.transitionPressure);
    }
  });

  it('reports the elastic tensors, eigenvalues and Born stability', () => {
    const e = byId('CdSe-WZ').elastic!;
    expect(e.relaxed).toHaveLength(6);
    expect(e.clamped).toHaveLength(6);
    expect(e.compliance).toHaveLength(6);
    expect(e.eigenvalues).toHaveLength(6);
    expect(e.stable).toBe(true);
  });

  it('is plain JSON (survives a round trip)', () => {
    expect(JSON.parse(JSON.stringify(report)).structures).toHaveLength(report.structures.length);
  });
});

describe('computeProperties options and failures', () => {
  const wurtziteOnly = (options: Record<string, unknown> = {}) => {
    const doc = publishedDocument() as { structures: { id: string; properties?: Record<string, unknown> }[]; options?: Record<string, unknown> };
    doc.structures = doc.structures.filter((s) => s.id === 'CdSe-WZ');
    delete doc.structures[0]!.properties!.transitionPressure;
    doc.options = { ...doc.options, ...options };
    return parseJob(doc);
  };

  it('options.bulkModulus "hill" makes B the Hill modulus', async () => {
    const r = await computeProperties(wurtziteOnly({ bulkModulus: 'hill', shearModulus: 'voigt' }), published().model);
    expect(r.structures[0]!.properties.B).toBe(r.structures[0]!.properties.BHill);
    expect(r.structures[0]!.properties.G).toBe(r.structures[0]!.properties.GVoigt);
  });

  it('a structure that fails is reported with its error and the others are still computed', async () => {
    const { job, model } = published();
    const failing: EnergyModel = {
      name: 'fails for lead',
      compute(s, order) {
        if (s.species.includes('Pb')) throw new DomainError('NUMERICAL_FAILURE', 'lead is not allowed here');
        return model.compute(s, order);
      },
    };
    const r = await computeProperties(job, failing, { transitionPressures: false });
    for (const s of r.structures) {
      if (s.formula.includes('Pb')) expect(s.error).toEqual({ code: 'NUMERICAL_FAILURE', message: 'lead is not allowed here' });
      else {
        expect(s.error).toBeUndefined();
        expect(Number.isFinite(s.properties.C11)).toBe(true);
      }
    }
  });

  it('a cancelled computation rejects with CANCELLED', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(computeProperties(wurtziteOnly(), published().model, { signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('reports progress for every structure, ending with "done"', async () => {
    const stages: string[] = [];
    await computeProperties(wurtziteOnly(), published().model, { onProgress: (p) => stages.push(`${p.structure}:${p.stage}`) });
    expect(stages[0]).toBe('CdSe-WZ:relax');
    expect(stages.at(-1)).toBe('CdSe-WZ:done');
  });

  it('with a cache, the second computation starts from the cached geometry and needs no iteration', async () => {
    const cache = new Map();
    const job = wurtziteOnly();
    await computeProperties(job, published().model, { cache });
    const second = await computeProperties(job, published().model, { cache });
    expect(second.structures[0]!.iterations).toBe(0);
  });
});
