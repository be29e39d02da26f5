/**
 * Writes the fit-suite job documents (fixtures/fit-suite/<case>.json) and their perturbed starts
 * (fixtures/fit-suite/starts.json): A × 2^u (u uniform in [−1, 1], i.e. ×0.5–2), ρ and C × (1 ± s),
 * s uniform in [0.10, 0.20] with a random sign; LJ A and B like ρ and C. Seeded (mulberry32 of the
 * project, seed per case recorded). Sources and targets: fixtures/fit-suite/README.md.
 *   node --import tsx scripts/fit-suite-make.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { rng } from '../src/math/random.js';
import { parseJob } from '../src/document/parse.js';
import { pairContacts } from '../src/fitting/fit.js';

type Doc = Record<string, any>;
const W = { length: 1000, angle: 1, internal: 0, elastic: 0.01, bulkModulus: 0.1, shearModulus: 0.1, energy: 100 };
const buck = (a: string, b: string, A: number, rho: number, C: number, vary: string[] = []) => ({ type: 'buckingham', species: [a, b], A, rho, C, cutoff: 12, ...(vary.length ? { vary } : {}) });
const lj = (a: string, b: string, A: number, B: number, vary: string[] = []) => ({ type: 'lennard-jones', species: [a, b], A, B, cutoff: 12, ...(vary.length ? { vary } : {}) });
const exp = (v: number) => ({ exp: v, fit: 'exp' });
const rocksalt = (id: string, c: string, a: string, lat: number, props: Doc) => ({ id, label: 'Rock salt', spaceGroup: 'Fm-3m', cell: { a: lat }, sites: [{ species: c, frac: [0, 0, 0] }, { species: a, frac: [0.5, 0.5, 0.5] }], properties: props });
const cubicProps = (a: number, C11: number, C12: number, C44: number, B?: number) => ({ a: exp(a), C11: exp(C11), C12: exp(C12), C44: exp(C44), ...(B !== undefined ? { B: exp(B) } : {}) });
const options = { relax: true, pressure: 0, defaultWeights: W };

// Smith & Dang (1994) NaCl: sigma Na 2.35 Å, Cl 4.40 Å, epsilon 0.1 kcal/mol both, Lorentz-Berthelot
const kcal = 0.0433641; // eV per kcal/mol
const ljAB = (eps: number, sig: number) => [4 * eps * sig ** 12, 4 * eps * sig ** 6] as const;
const [naclA, naclB] = ljAB(0.1 * kcal, (2.35 + 4.4) / 2);
const [nanaA, nanaB] = ljAB(0.1 * kcal, 2.35);
const [clclA, clclB] = ljAB(0.1 * kcal, 4.4);

const cases: Record<string, Doc> = {
  'mgo-cao': {
    name: 'MgO + CaO rock salt, formal charges, Lewis & Catlow (1985) rigid-ion Buckingham',
    species: { Mg: { charge: 2 }, Ca: { charge: 2 }, O: { charge: -2 } },
    potentials: [buck('Mg', 'O', 1428.5, 0.2945, 0, ['A', 'rho']), buck('Ca', 'O', 1090.4, 0.3437, 0, ['A', 'rho']), buck('O', 'O', 22764.0, 0.149, 27.88, ['A', 'rho', 'C'])],
    structures: [rocksalt('MgO', 'Mg', 'O', 4.212, cubicProps(4.212, 297.0, 95.2, 155.7, 162.5)), rocksalt('CaO', 'Ca', 'O', 4.811, cubicProps(4.811, 221.9, 57.8, 80.3, 112.5))],
    options,
  },
  'nacl-lj': {
    name: 'NaCl rock salt, Smith & Dang (1994) Lennard-Jones + formal charges',
    species: { Na: { charge: 1 }, Cl: { charge: -1 } },
    potentials: [lj('Na', 'Cl', naclA, naclB, ['A', 'B']), lj('Na', 'Na', nanaA, nanaB), lj('Cl', 'Cl', clclA, clclB, ['A', 'B'])],
    structures: [rocksalt('NaCl', 'Na', 'Cl', 5.64, cubicProps(5.64, 49.1, 12.8, 12.8, 24.9))],
    options,
  },
  'caf2': {
    name: 'CaF2 fluorite, formal charges, rigid-ion Buckingham (Catlow, Norgett & Ross 1977 parameters)',
    species: { Ca: { charge: 2 }, F: { charge: -1 } },
    potentials: [buck('Ca', 'F', 1272.8, 0.2997, 0, ['A', 'rho']), buck('F', 'F', 1127.7, 0.2753, 15.83, ['A', 'rho', 'C'])],
    structures: [{ id: 'CaF2', label: 'Fluorite', spaceGroup: 'Fm-3m', cell: { a: 5.463 }, sites: [{ species: 'Ca', frac: [0, 0, 0] }, { species: 'F', frac: [0.25, 0.25, 0.25] }], properties: cubicProps(5.463, 165.0, 46.0, 33.9, 85.7) }],
    options,
  },
  'ceo2': {
    name: 'CeO2 fluorite, formal charges, rigid-ion Buckingham (Gotte, Spangberg & Hermansson 2007)',
    species: { Ce: { charge: 4 }, O: { charge: -2 } },
    potentials: [buck('Ce', 'O', 1986.83, 0.35107, 20.4, ['A', 'rho', 'C']), buck('O', 'O', 22764.3, 0.149, 27.89, ['A', 'rho', 'C'])],
    structures: [{ id: 'CeO2', label: 'Fluorite', spaceGroup: 'Fm-3m', cell: { a: 5.411 }, sites: [{ species: 'Ce', frac: [0, 0, 0] }, { species: 'O', frac: [0.25, 0.25, 0.25] }], properties: cubicProps(5.411, 403, 105, 60, 204) }],
    options,
  },
  'tio2-rutile': {
    name: 'TiO2 rutile, Matsui & Akaogi (1991) partial-charge rigid-ion Buckingham',
    species: { Ti: { charge: 2.196 }, O: { charge: -1.098 } },
    potentials: [buck('Ti', 'Ti', 31120.1, 0.154, 5.25), buck('Ti', 'O', 16957.53, 0.194, 12.59, ['A', 'rho', 'C']), buck('O', 'O', 11782.76, 0.234, 30.22, ['A', 'rho', 'C'])],
    structures: [{ id: 'rutile', label: 'Rutile', spaceGroup: 'P4_2/mnm', cell: { a: 4.5937, c: 2.9587 }, sites: [{ species: 'Ti', frac: [0, 0, 0] }, { species: 'O', frac: [0.3048, 0.3048, 0] }],
      properties: { a: exp(4.5937), c: exp(2.9587), C11: exp(268.0), C12: exp(174.9), C13: exp(147.4), C33: exp(484.2), C44: exp(123.8), C66: exp(190.2), B: exp(211.9) } }],
    options,
  },
  'tio2-anatase': {
    name: 'TiO2 anatase (+ rutile lattice), Matsui & Akaogi (1991) partial-charge rigid-ion Buckingham',
    species: { Ti: { charge: 2.196 }, O: { charge: -1.098 } },
    potentials: [buck('Ti', 'Ti', 31120.1, 0.154, 5.25), buck('Ti', 'O', 16957.53, 0.194, 12.59, ['A', 'rho']), buck('O', 'O', 11782.76, 0.234, 30.22, ['A', 'rho'])],
    structures: [
      { id: 'anatase', label: 'Anatase', spaceGroup: 'I4_1/amd', origin: 2, cell: { a: 3.7845, c: 9.5143 }, sites: [{ species: 'Ti', frac: [0, 0.75, 0.125] }, { species: 'O', frac: [0, 0.75, 0.33333] }], properties: { a: exp(3.7845), c: exp(9.5143), B: exp(179) } },
      { id: 'rutile', label: 'Rutile', spaceGroup: 'P4_2/mnm', cell: { a: 4.5937, c: 2.9587 }, sites: [{ species: 'Ti', frac: [0, 0, 0] }, { species: 'O', frac: [0.3048, 0.3048, 0] }], properties: { a: exp(4.5937), c: exp(2.9587) } },
    ],
    options,
  },
  'al2o3-corundum': {
    name: 'Al2O3 corundum, formal charges, Lewis & Catlow (1985) Buckingham used as a rigid-ion model',
    species: { Al: { charge: 3 }, O: { charge: -2 } },
    potentials: [buck('Al', 'O', 1474.4, 0.3006, 0, ['A', 'rho']), buck('O', 'O', 22764.0, 0.149, 27.88, ['A', 'rho', 'C'])],
    structures: [{ id: 'corundum', label: 'Corundum', spaceGroup: 'R-3c', cell: { a: 4.7589, c: 12.991 }, sites: [{ species: 'Al', frac: [0, 0, 0.35216] }, { species: 'O', frac: [0.30624, 0, 0.25] }],
      properties: { a: exp(4.7589), c: exp(12.991), C11: exp(497.4), C12: exp(162.6), C13: exp(116.0), C33: exp(499.1), C44: exp(147.4), C66: exp(167.4), B: exp(254.4) } }],
    options,
  },
  'zno-wurtzite': {
    name: 'ZnO wurtzite, formal charges, Lewis & Catlow (1985) Buckingham used as a rigid-ion model',
    species: { Zn: { charge: 2 }, O: { charge: -2 } },
    potentials: [buck('Zn', 'O', 499.6, 0.3595, 0, ['A', 'rho']), buck('O', 'O', 22764.0, 0.149, 27.88, ['A', 'rho', 'C'])],
    structures: [{ id: 'ZnO-WZ', label: 'Wurtzite', spaceGroup: 'P6_3mc', cell: { a: 3.2496, c: 5.2042 }, sites: [{ species: 'Zn', frac: [0.333333333333, 0.666666666667, 0] }, { species: 'O', frac: [0.333333333333, 0.666666666667, 0.3819] }],
      properties: { a: exp(3.2496), c: exp(5.2042), C11: exp(209.7), C12: exp(121.1), C13: exp(105.1), C33: exp(210.9), C44: exp(42.47), C66: exp(44.29), B: exp(142.4) } }],
    options,
  },
  'srtio3-perovskite': {
    name: 'SrTiO3 cubic perovskite, formal charges, rigid-ion Buckingham (Thomas, Marks & Begg 2005)',
    species: { Sr: { charge: 2 }, Ti: { charge: 4 }, O: { charge: -2 } },
    potentials: [buck('Sr', 'O', 1952.39, 0.33685, 19.22, ['A', 'rho']), buck('Ti', 'O', 4590.7279, 0.261, 0, ['A', 'rho']), buck('O', 'O', 1388.77, 0.36262, 175, ['A', 'rho', 'C'])],
    structures: [{ id: 'SrTiO3', label: 'Perovskite', spaceGroup: 'Pm-3m', cell: { a: 3.905 }, sites: [{ species: 'Sr', frac: [0, 0, 0] }, { species: 'Ti', frac: [0.5, 0.5, 0.5] }, { species: 'O', frac: [0.5, 0.5, 0] }], properties: cubicProps(3.905, 317.2, 102.5, 123.5, 174.0) }],
    options,
  },
  'mgal2o4-spinel': {
    name: 'MgAl2O4 spinel, formal charges, Lewis & Catlow (1985) Buckingham used as a rigid-ion model',
    species: { Mg: { charge: 2 }, Al: { charge: 3 }, O: { charge: -2 } },
    potentials: [buck('Mg', 'O', 1428.5, 0.2945, 0, ['A', 'rho']), buck('Al', 'O', 1474.4, 0.3006, 0, ['A', 'rho']), buck('O', 'O', 22764.0, 0.149, 27.88, ['A', 'rho', 'C'])],
    structures: [{ id: 'MgAl2O4', label: 'Spinel', spaceGroup: 'Fd-3m', origin: 2, cell: { a: 8.0832 }, sites: [{ species: 'Mg', frac: [0.125, 0.125, 0.125] }, { species: 'Al', frac: [0.5, 0.5, 0.5] }, { species: 'O', frac: [0.2624, 0.2624, 0.2624] }], properties: cubicProps(8.0832, 282.9, 155.4, 154.8, 197.9) }],
    options,
  },
};

const here = new URL('../fixtures/fit-suite/', import.meta.url);
for (const [id, doc] of Object.entries(cases)) writeFileSync(new URL(`${id}.json`, here), JSON.stringify(doc, null, 2) + '\n');
// the Pb-Se-Cd reference, unchanged
writeFileSync(new URL('pbcdse.json', here), readFileSync(new URL('../fixtures/pbcdse-fit.json', import.meta.url)));

/** Perturbed starts: 6 per case, seed = 1000 + case index. */
const ids = [...Object.keys(cases), 'pbcdse'];
const starts: Record<string, { seed: number; rule: string; starts: Record<string, number>[] }> = {};
ids.forEach((id, ci) => {
  const doc = JSON.parse(readFileSync(new URL(`${id}.json`, here), 'utf8')) as Doc;
  const seed = 1000 + ci;
  const random = rng(seed);
  const list: Record<string, number>[] = [];
  for (let s = 0; s < 6; s++) {
    const p: Record<string, number> = {};
    for (const pot of doc.potentials as Doc[]) {
      const key = [...pot.species].sort().join('-');
      for (const k of pot.vary ?? []) {
        const v = pot[k] as number;
        if (pot.type === 'buckingham' && k === 'A') p[`${key}.A`] = v * 2 ** (2 * random() - 1);
        else {
          const mag = 0.1 + 0.1 * random();
          const sign = random() < 0.5 ? -1 : 1;
          p[`${key}.${k}`] = v === 0 ? 0 : v * (1 + sign * mag);
        }
      }
    }
    list.push(p);
  }
  // the same draws with A carried along with ρ at the pair's shortest contact r₀ (the fit's
  // decorrelated variable ln A − r₀/ρ moves by the A factor only): A' = A_drawn e^(r₀/ρ' − r₀/ρ)
  const contacts = pairContacts(parseJob(doc));
  const decorrelated = list.map((p) => {
    const q = { ...p };
    for (const pot of doc.potentials as Doc[]) {
      const key = [...pot.species].sort().join('-');
      const r0 = contacts[key];
      if (pot.type === 'buckingham' && q[`${key}.A`] !== undefined && q[`${key}.rho`] !== undefined && r0) q[`${key}.A`] = q[`${key}.A`]! * Math.exp(r0 / q[`${key}.rho`]! - r0 / pot.rho);
    }
    return q;
  });
  starts[id] = { seed, rule: 'Buckingham A × 2^U(−1,1); ρ, C, LJ A, B × (1 ± U(0.10, 0.20)); parameters that are 0 stay 0', starts: list, decorrelatedRule: 'the same draws, A multiplied by e^(r₀/ρ − r₀/ρ_published) (r₀ the shortest contact of the pair in the input structures): the repulsion at r₀ changes by the A factor (×0.5–2) only', decorrelated } as never;
});
writeFileSync(new URL('starts.json', here), JSON.stringify(starts, null, 2) + '\n');
console.log(`wrote ${ids.length} cases and starts.json`);
