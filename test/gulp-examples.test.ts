/**
 * GULP inputs as GULP users write them, imported and run, against GULP 6.1.2's own output for the
 * same input (fixtures/gulp-examples: the inputs, their origin, and the reference numbers).
 *
 * For every configuration of every input: the conventional cell, the energy per formula unit (the
 * enthalpy at a pressure), the bulk and shear moduli (Reuss, Voigt, Hill) and the elastic constants
 * that do not depend on the in-plane orientation; for the fit, the final sum of squares and the
 * fitted parameters. GULP's energies are per GULP cell (the primitive cell, or the supercell); the
 * elastic constants at a pressure are GULP's definition, which the import asks for
 * (options.elasticConstants = 'gulp').
 */
import { describe, expect, it } from 'vitest';
import { readGulp } from '../src/io/gulp-read.js';
import { writeGulpInput } from '../src/io/gulp-write.js';
import { parseJob } from '../src/document/parse.js';
import { computeProperties, type PropertiesReport, type StructureProperties } from '../src/properties/index.js';
import { runFit } from '../src/workflows/fit-job.js';
import { primitiveFormulaUnits } from '../src/io/common.js';
import { GPA_PER_EV_PER_A3, evPerA3ToGPa } from '../src/units/index.js';
import { DomainError } from '../src/errors.js';
import { prepareCrystal, relaxCrystal } from '../src/properties/crystal.js';
import { buildEnergyModel } from '../src/potentials/index.js';
import { deformation } from '../src/math/voigt.js';
import { relax } from '../src/relaxation/index.js';
import type { JobDocument } from '../src/document/schema.js';
import { TOL, close } from './helpers/tolerances.js';
import { gulpReference, library, readExample, withGulpCoulomb } from './helpers/gulp-examples.js';

const read = readExample;
const REFERENCE = gulpReference();

/** Cases of properties (opti conp prop), and the GULP cells per configuration (supercell multiple). */
const PROPERTY_CASES: { name: string; supercell?: number }[] = [
  { name: 'mgo-buckingham' },
  { name: 'corundum-ditto' },
  { name: 'two-configurations-pressure' },
  { name: 'rutile-kcal' },
  { name: 'argon-lennard' },
  { name: 'argon-lennard-epsilon' },
  { name: 'argon-lennard-zero' },
  { name: 'bks-quartz' },
  { name: 'bks-quartz-origin' },
  { name: 'bks-stishovite' },
  { name: 'bks-cristobalite' },
  { name: 'mgo-supercell', supercell: 8 },
];

function imported(name: string): { document: JobDocument; untranslated: ReturnType<typeof readGulp>['untranslated'] } {
  return readGulp(read(`${name}.gin`), { library });
}

const relEq = (calc: number, ref: number, rel: number): void => {
  expect(Math.abs(calc - ref), `calculated ${calc}, GULP ${ref}`).toBeLessThanOrEqual(rel * Math.abs(ref));
};

/** Every property case computed once, before the tests (the property suite is asynchronous). */
const REPORTS = new Map<string, PropertiesReport>();
for (const c of PROPERTY_CASES.map((p) => p.name))
  REPORTS.set(c, await computeProperties(parseJob(imported(c).document), undefined, { transitionPressures: false }));

describe.each(PROPERTY_CASES)('GULP input $name', ({ name, supercell = 1 }) => {
  const ref = REFERENCE[name]!;
  const report = REPORTS.get(name)!;
  const job = parseJob(imported(name).document);

  it('has one structure per GULP configuration, each relaxed to convergence', () => {
    expect(report.structures.length).toBe(ref.configurations.length);
    for (const s of report.structures) expect([s.id, s.converged, s.error]).toEqual([s.id, true, undefined]);
  });

  it.each(ref.configurations.map((c, k) => [k, c] as const))('configuration %i: relaxed at its own pressure', (k, c) => {
    const s = job.structures[k]!;
    expect(evPerA3ToGPa(s.pressure ?? job.options.pressure)).toBeCloseTo(c.pressureGPa ?? 0, 12);
  });

  it.each(ref.configurations.map((c, k) => [k, c] as const))('configuration %i: conventional cell as GULP', (k, c) => {
    const cell = report.structures[k]!.cell!;
    const g = c.conventionalCell ?? c.gulpCell!;
    const edge = supercell === 1 ? 1 : Math.cbrt(supercell);
    if (supercell === 1 || c.conventionalCell) {
      for (const key of ['a', 'b', 'c'] as const) expect(Math.abs(cell[key] - g[key]! / (c.conventionalCell ? 1 : edge))).toBeLessThanOrEqual(TOL.gulpCellA);
    }
    // a supercell of the primitive cell: compare the volume per formula unit instead
    expect(report.structures[k]!.properties.volume).toBeGreaterThan(0);
  });

  it.each(ref.configurations.map((c, k) => [k, c] as const))('configuration %i: energy (enthalpy at a pressure) per formula unit as GULP', (k, c) => {
    const s: StructureProperties = report.structures[k]!;
    const zGulp = primitiveFormulaUnits(job.structures[k]!) * supercell;
    const p = c.pressureGPa ?? 0;
    const h = s.properties.latticeEnergy! + (p / GPA_PER_EV_PER_A3) * s.properties.volume!;
    const gulp = (c.enthalpyEV ?? c.energyEV!) / zGulp;
    relEq(h, gulp, TOL.gulpEnergyRel);
  });

  it.each(ref.configurations.map((c, k) => [k, c] as const))('configuration %i: bulk and shear moduli as GULP', (k, c) => {
    const P = report.structures[k]!.properties;
    relEq(P.BReuss!, c.bulkModulusGPa!.reuss, TOL.gulpModulusRel);
    relEq(P.BVoigt!, c.bulkModulusGPa!.voigt, TOL.gulpModulusRel);
    relEq(P.BHill!, c.bulkModulusGPa!.hill, TOL.gulpModulusRel);
    relEq(P.GReuss!, c.shearModulusGPa!.reuss, TOL.gulpModulusRel);
    relEq(P.GVoigt!, c.shearModulusGPa!.voigt, TOL.gulpModulusRel);
  });

  const withElastic = ref.configurations.flatMap((c, k) => (c.elasticGPa ? [[k, c] as const] : []));
  it.skipIf(withElastic.length === 0).each(withElastic)('configuration %i: elastic constants as GULP', (k, c) => {
    const C = report.structures[k]!.elastic!.relaxed;
    const G = c.elasticGPa!;
    const tol = TOL.gulpElasticRelOfMax * Math.max(...G.flat().map(Math.abs));
    // orientation-free entries (both codes put a along x; the sign of C14 follows the choice of b)
    for (const [i, j] of [[0, 0], [1, 1], [2, 2], [0, 1], [0, 2], [1, 2], [3, 3], [4, 4], [5, 5]] as const) {
      expect(Math.abs(C[i]![j]! - G[i]![j]!), `C${i + 1}${j + 1}: ${C[i]![j]} vs GULP ${G[i]![j]}`).toBeLessThanOrEqual(tol);
    }
    expect(Math.abs(Math.abs(C[0]![3]!) - Math.abs(G[0]![3]!))).toBeLessThanOrEqual(tol);
  });
});

describe('GULP fit input mgo-fit-relax', () => {
  const ref = REFERENCE['mgo-fit-relax']!.fit!;
  it('ends at GULP\'s final sum of squares and parameters', async () => {
    const job = parseJob(imported('mgo-fit-relax').document);
    expect(job.vary).toEqual(['Mg-O.A', 'Mg-O.rho']);
    const r = await runFit(job);
    relEq(r.objective.final, ref.finalSumOfSquares, TOL.gulpFitRel);
    const final = Object.fromEntries(r.varied.map((v) => [v.name, v.final]));
    relEq(final['Mg-O.A']!, ref.parameters[0]!.final, TOL.gulpFitRel);
    relEq(final['Mg-O.rho']!, ref.parameters[1]!.final, TOL.gulpFitRel);
  });
});

/**
 * A single point (GULP's `eharmonic`, with `opti` on the keyword line as in GULP's alumina
 * example): GULP does not optimise, and adds a harmonic estimate of the relaxation energy to its
 * total lattice energy. latticefit computes the energy of the structure as given; compared with
 * GULP's components (its total minus the harmonic term), first as imported, then with GULP's
 * Coulomb constant put in (the same model in both codes), with GULP's strain derivatives.
 */
describe('GULP input corundum-eharmonic (a single point)', () => {
  const ref = REFERENCE['corundum-eharmonic']!.configurations[0]!;
  const { document, untranslated } = imported('corundum-eharmonic');
  const job = parseJob(document);

  it('is imported as a single point (no relaxation), and the note says the harmonic estimate is not computed', () => {
    expect(document.options).toMatchObject({ relax: false });
    expect(document.options).not.toHaveProperty('kink');
    expect(untranslated.find((u) => u.text === 'ehar')!.reason).toMatch(/single point.*harmonic estimate of the relaxation energy.*is not computed/);
  });

  it('has GULP\'s energy per formula unit without the harmonic term', async () => {
    const s = (await computeProperties(job, undefined, { transitionPressures: false, eos: false })).structures[0]!;
    relEq(s.properties.latticeEnergy!, ref.energyEV! / 2, TOL.gulpEnergyRel);
    expect(ref.energyEV! - ref.totalLatticeEnergyEV!).toBeCloseTo(-ref.harmonicRelaxationEV!, 8);
  });

  it('with GULP\'s Coulomb constant, has GULP\'s energy and strain derivatives of its primitive cell', () => {
    const prepared = prepareCrystal(job.structures[0]!);
    const r = buildEnergyModel(withGulpCoulomb(job.forceField)).compute(prepared.structure, 1);
    const perGulpCell = 2 / prepared.z;
    relEq(r.energy * perGulpCell, ref.energyEV!, TOL.gulpSinglePointRel);
    for (let k = 0; k < 6; k++) expect(Math.abs(r.strain![k]! * perGulpCell - ref.strainDerivativesEV![k]!), `dE/de${k + 1}`).toBeLessThanOrEqual(TOL.gulpStrainDerivativeEV);
  });
});

/**
 * Rutile, relaxed fit of the Ti-O A and ρ given in kcal/mol, to four Cij and the cell (a, c; the
 * free O x unobserved, `default_weight frac 0`). The A-ρ valley is flat: GULP stops at Gnorm 5
 * (also with ftol/xtol 1e-10: "No lower sum of squares could be found", 59.623483, A = 18973 eV),
 * latticefit goes on along it (A 0.7 % higher). Compared: latticefit's objective at GULP's final
 * parameters is GULP's sum of squares (the same objective), and latticefit ends no higher.
 */
describe('GULP fit input rutile-fit-relax', () => {
  const ref = REFERENCE['rutile-fit-relax']!.fit!;
  const doc = imported('rutile-fit-relax').document;

  it('reads the fitted parameters in eV from kcal/mol (GULP\'s starting values)', () => {
    const p = doc.potentials.find((x) => x.species.join('-') === 'Ti-O')!;
    relEq(p.A as number, ref.parameters[0]!.original, 1e-8);
    expect(parseJob(doc).vary).toEqual(['O-Ti.A', 'O-Ti.rho']);
  });

  it('has GULP\'s sum of squares at GULP\'s final parameters', async () => {
    const potentials = doc.potentials.map((p) => (p.species.join('-') === 'Ti-O' ? { ...p, A: ref.parameters[0]!.final, rho: ref.parameters[1]!.final } : p));
    const r = await runFit(parseJob({ ...doc, potentials, options: { ...doc.options, maxIterations: 0 } }));
    relEq(r.objective.initial, ref.finalSumOfSquares, TOL.gulpFitRel);
  });

  it('without default_weight frac 0, lists the free O x GULP would also fit (no coordinate target)', () => {
    const { untranslated } = readGulp(read('rutile-fit-relax.gin').replace('default_weight frac 0.0\n', ''), { library });
    const notes = untranslated.filter((u) => /^relax fitting: GULP also fits/.test(u.reason));
    expect(notes.map((u) => [u.text, u.reason.match(/the (\d) free fractional coordinate/)?.[1]])).toEqual([['O 0.3048 0.3048 0', '1']]);
    expect(imported('rutile-fit-relax').untranslated.filter((u) => /^relax fitting/.test(u.reason))).toEqual([]);
  });

  it('ends at a sum of squares no higher than GULP\'s', async () => {
    const r = await runFit(parseJob(doc));
    expect(r.objective.final).toBeLessThanOrEqual(ref.finalSumOfSquares * (1 + TOL.gulpFitRel));
    relEq(r.objective.final, ref.finalSumOfSquares, TOL.gulpFitRel);
  });
});

describe('GULP import: what is translated and what is refused', () => {
  const base = (pot: string): string => `opti conp prop\ncell\n4.212 4.212 4.212 90 90 90\nfrac\nMg core 0 0 0\nO core 0.5 0.5 0.5\nspace\n225\nspecies\nMg core 2\nO core -2\n${pot}`;
  const failure = (text: string): DomainError => {
    try {
      readGulp(text, { library });
    } catch (e) {
      return e as DomainError;
    }
    throw new Error('the import did not fail');
  };

  it('converts kcal/mol, kJ/mol and hartree on a potential line to eV (A and C; rho is a length)', () => {
    const at = (unit: string): Record<string, unknown> => readGulp(base(`buckingham ${unit}\nMg core O core 1000 0.3 10 0 12\n`)).document.potentials[0]!;
    expect(at('')).toMatchObject({ A: 1000, rho: 0.3, C: 10 });
    expect(at('kcal')).toMatchObject({ A: 1000 * 4.3364432032e-2, rho: 0.3, C: 10 * 4.3364432032e-2 });
    expect(at('kjmol')).toMatchObject({ A: 1000 * 1.0364348e-2, rho: 0.3 });
    expect(at('au')).toMatchObject({ A: 1000 * 27.211386245988 });
  });

  it('converts Lennard-Jones epsilon/sigma in both GULP forms to A and B', () => {
    const lj = (opts: string): Record<string, number> => readGulp(base(`lennard ${opts}\nO core O core 0.01 3.0 0 12\n`)).document.potentials[0] as unknown as Record<string, number>;
    const min = lj('epsilon');
    expect(close(min.A!, 0.01 * 3 ** 12, 1e-14, 0) && close(min.B!, 2 * 0.01 * 3 ** 6, 1e-14, 0)).toBe(true);
    const zero = lj('epsilon zero kcal');
    expect(close(zero.A!, 4 * 0.01 * 4.3364432032e-2 * 3 ** 12, 1e-14, 0)).toBe(true);
  });

  it.each([
    ['an energy unit it does not know', 'buckingham kcalx2 grad\nMg core O core 1000 0.3 10 0 12\n', /line 12: .*buckingham option "grad"/],
    ['an energy-shifted potential', 'buckingham ener\nMg core O core 1000 0.3 10 0 12\n', /line 12: .*buckingham option "ener"/],
    ['a 9-6 Lennard-Jones', 'lennard 9 6\nMg core O core 1000 10 0 12\n', /line 12: lennard 9 6: latticefit has the 12-6 form only/],
    ['a temperature', 'temperature 300 K\n', /line 12: option "temperature": temperature: latticefit is a static-lattice code/],
    ['a global cut-off', 'cutp 10 mdf 1\n', /line 12: option "cutp"/],
    ['a spring (shell model)', 'spring\nO 74.92\n', /line 12: option "spring"/],
    ['a library it cannot find', 'library nowhere.lib\n', /line 12: library nowhere.lib: the library file is not available/],
  ])('refuses %s with the line and the reason', (_what, extra, message) => {
    const e = failure(base(extra));
    expect(e.code).toBe('PARSE_ERROR');
    expect(e.message).toMatch(message);
  });

  it('reads cell au, vectors au and cartesian au in bohr, as GULP (0.529177 Å)', () => {
    const a = 4.212 / 0.529177;
    const cell = readGulp(base('').replace('cell\n4.212 4.212 4.212 90 90 90', `cell au\n${a} ${a} ${a} 90 90 90`)).document.structures[0]!.cell as { a: number };
    expect(close(cell.a, 4.212, 1e-14, 0)).toBe(true);
    const cart = `opti conp prop\nvectors au\n${a} 0 0\n0 ${a} 0\n0 0 ${a}\ncartesian au\nMg core 0 0 0\nO core ${a / 2} 0 0\nspecies\nMg core 2\nO core -2\n`;
    const s = readGulp(cart).document.structures[0]!;
    expect(close((s.cell as { vectors: number[][] }).vectors[0]![0]!, 4.212, 1e-14, 0)).toBe(true);
    expect(close(s.sites[1]!.frac[0]!, 0.5, 1e-14, 0)).toBe(true);
  });

  it('reads a bare number after fractional as GULP does (an atom count, not a region)', () => {
    const { untranslated } = readGulp(base('').replace('frac\n', 'fractional 2\n'));
    expect(untranslated.filter((u) => /region/.test(u.reason))).toEqual([]);
    expect(readGulp(base('').replace('frac\n', 'fractional region 2\n')).untranslated.some((u) => /region 2: latticefit has no regions/.test(u.reason))).toBe(true);
  });

  it.each([
    ['a scale factor on the vectors and coordinates', 'scale 1.01\n', /line 12: option "scale": scale: a factor/],
    ['symmetry operators given by hand', 'symmetry_operator\n-1 0 0 0\n0 -1 0 0\n0 0 -1 0\n', /line 12: option "symmetry_operator": symmetry operators given by hand/],
    // GULP's own form of each (its Examples/ and manual): a scan of a species along a vector, a scan of cells
    ['a translation scan', 'translate 10\nO core 0.0 0.0 1.0\n', /line 12: option "translate": translate: GULP repeats the calculation/],
    ['the Wolf sum instead of Ewald', 'qwolf 0.2 12.0\n', /line 12: option "qwolf": the Wolf sum replaces the Ewald sum/],
    ['point-ion polarisability', 'polarisability\nO core 1.5\n', /line 12: option "polarisability": polarisability: point-ion polarisabilities are not supported/],
    ['a cell scan', 'scan_cell 10\n0.0 0.0 0.0 0.0 0.0 0.0 0.01 0.01 0.01 0.0 0.0 0.0\n', /line 12: option "scan_cell": scan_cell: GULP repeats the calculation/],
  ])('refuses %s (it changes the structure or the calculation)', (_what, extra, message) => {
    expect(failure(base(extra)).message).toMatch(message);
  });

  it.each([
    ['dipole', /keyword "dipole": dipole adds a correction/],
    ['zdipole', /keyword "zdipole": zdipole adds a correction/],
    ['cosmo', /keyword "cosmo": COSMO solvation/],
    ['noreal', /keyword "noreal": noreal leaves the real-space part/],
    ['norecip', /keyword "norecip": norecip leaves the reciprocal-space part/],
  ])('refuses the keyword %s (it changes the Coulomb energy or adds a term)', (word, message) => {
    expect(failure(base('').replace('opti conp prop', `opti conp prop ${word}`)).message).toMatch(message);
  });

  it('translates conv (fixed cell, ions relaxed) as options.relaxCell false', () => {
    expect(readGulp(base('').replace('opti conp prop', 'opti conv prop')).document.options).toMatchObject({ relax: true, relaxCell: false });
  });

  /**
   * GULP 6.1.2 on mgo-fit-relax.gin with `fit conp` (no relax): final sum of squares 51.297439, A =
   * 880.405665 eV, ρ = 0.319753 Å, with a "Derivative" residual (the strain derivative at the given
   * cell, 0.511 eV) beside the three elastic constants; latticefit's conventional fit, without such a
   * target, ends at A = 5191 eV, ρ = 0.2348 Å. So the import refuses it.
   */
  it('refuses a conventional fit (fit without relax): GULP also fits the derivatives at the given geometry', () => {
    const e = failure(read('mgo-fit-relax.gin').replace('fit relax conp', 'fit conp'));
    expect(e.code).toBe('PARSE_ERROR');
    expect(e.message).toMatch(/line 1: keyword "fit" without "relax": GULP's conventional fit also fits the strain and internal derivatives/);
  });

  it('keeps a conventional fit latticefit wrote itself (its metadata says what it is)', () => {
    const doc = imported('mgo-fit-relax').document;
    const text = writeGulpInput({ ...doc, options: { ...doc.options, relax: false } });
    expect(text).toMatch(/^fit conp/m);
    expect(readGulp(text).document.options).toMatchObject({ relax: false });
  });

  it('refuses conv in a fit, with the line and the reason', () => {
    const e = failure(read('mgo-fit-relax.gin').replace('fit relax conp', 'fit relax conv'));
    expect(e.code).toBe('PARSE_ERROR');
    expect(e.message).toMatch(/line 1: keyword "conv" with "fit": latticefit fits at constant pressure only/);
  });

  it('reads a library file\'s species and potentials as if they stood at its line', () => {
    const { document } = imported('bks-quartz');
    expect(document.species).toEqual({ Si: { charge: 2.4 }, O: { charge: -1.2 } });
    expect(document.potentials.map((p) => [p.species.join('-'), p.A])).toEqual([
      ['Si-O', 18003.7572],
      ['O-O', 1338.773],
    ]);
  });

  it('gives each configuration its own pressure: ditto copies the structure, pressure follows it', () => {
    const { document } = imported('corundum-ditto');
    expect(document.structures.map((s) => s.pressure)).toEqual([undefined, 10, 20]);
    expect(document.options).toEqual({ relax: true, kink: 'stationary', elasticConstants: 'gulp' });
  });

  it('translates an origin shift: the coordinates move by it into the standard setting (0 0 16 is 0 0 2/3)', () => {
    const { document, untranslated } = imported('bks-quartz-origin');
    const s = document.structures[0]!;
    expect(s.spaceGroup).toBe('P3_221');
    expect(s.sites.map((x) => x.frac[2])).toEqual([0 + 2 / 3, 0.1131 + 2 / 3]);
    expect(untranslated.find((u) => u.text === 'origin 0 0 16')!.reason).toMatch(/moved by \(0, 0, 2\/3\)/);
  });

  /**
   * GULP 6.1.2 on `cell 6 7 8 90 90 90`, Ar at (0.1, 0.2, 0.3) in Pnnn (48), `lennard 12 6` with
   * A = 10000, B = 10, 5 Å cut-off, `single`: the total lattice energy is 5.23532255 eV with
   * `origin 1` (or none) and with `origin 6 6 6`, and 19210.12437462 eV with `origin 2` and with
   * `origin 0 0 0`: a shift is taken from the second origin choice.
   */
  it.each([
    ['', 5.23532255],
    ['origin 6 6 6', 5.23532255],
    ['origin 0.25 0.25 0.25', 5.23532255],
    ['origin 2', 19210.12437462],
    ['origin 0 0 0', 19210.12437462],
    ['origin -6 -6 -6', 19210.12437462],
  ])('in a group with two origin choices shifts from the second, as GULP (Pnnn, "%s")', async (origin, gulpEV) => {
    const gin = `single\ncell\n6 7 8 90 90 90\nfrac\nAr core 0.1 0.2 0.3\nspace\n48\n${origin}\nlennard 12 6\nAr core Ar core 10000 10 0 5\n`;
    const job = parseJob(readGulp(gin).document);
    const s = (await computeProperties(job, undefined, { transitionPressures: false, eos: false })).structures[0]!;
    relEq(s.properties.latticeEnergy! * primitiveFormulaUnits(job.structures[0]!), gulpEV, TOL.gulpEnergyNoCoulombRel);
  });

  it('refuses an origin line it cannot read, with the line', () => {
    expect(failure(base('').replace('225\n', '225\norigin 0 0\n')).message).toMatch(/line 9: origin needs the origin choice \(1 or 2\) or a shift of three numbers/);
  });

  it('says which cell a supercell input reports', () => {
    const { document, untranslated } = imported('mgo-supercell');
    expect(document.structures[0]!.label).toMatch(/GULP supercell 2×2×2 of this cell/);
    expect(untranslated.find((u) => u.text === 'supercell 2 2 2')!.reason).toMatch(/latticefit reports the input \(conventional\) cell.*GULP reports the supercell/);
  });
});

describe('elastic constants under pressure: the stress-strain definition', () => {
  it('gives B_Reuss = −V dp/dV of relaxed volumes (corundum at 10 GPa)', async () => {
    const doc = imported('corundum-ditto').document;
    const s0 = doc.structures[0]!;
    const dp = 0.25;
    const structures = [10 - dp, 10, 10 + dp].map((p, k) => ({ ...s0, id: `c${k}`, pressure: p }));
    const job = parseJob({ ...doc, structures, options: { relax: true, elasticConstants: 'stress-strain' } });
    const r = await computeProperties(job, undefined, { transitionPressures: false });
    const v = r.structures.map((s) => s.properties.volume!);
    const fromVolumes = (-v[1]! * (2 * dp)) / (v[2]! - v[0]!);
    relEq(r.structures[1]!.properties.BReuss!, fromVolumes, TOL.bulkFromVolumesRel);
    // GULP's and the energy definition are below it, by about p/3 and 2p/3
    const gulp = REFERENCE['corundum-ditto']!.configurations[1]!.bulkModulusGPa!.reuss;
    expect(fromVolumes - gulp).toBeGreaterThan(0.5 * (10 / 3));
  });
});

/**
 * BKS silica with its plain 10 Å cut-off: at the lowest enthalpy a neighbour shell sits on the
 * cut-off (an O-O shell at 10 Å in stishovite), where no gradient vanishes. The import asks for
 * GULP's answer, the stress-free stationary point of one branch (options.kink 'stationary',
 * relaxation/branch.ts), which the cases above compare with GULP; here: that point is a true
 * stationary point of the truncated energy, and the default still reports the seam.
 */
describe.each(['bks-stishovite', 'bks-cristobalite'])('GULP input %s (plain 10 Å cut-off on BKS)', (name) => {
  const s = REPORTS.get(name)!.structures[0]!;
  const g = REFERENCE[name]!.configurations[0]!.gulpCell!;
  const { document } = imported(name);

  it('is imported with kink: stationary and ends on GULP\'s cell (1e-4 Å), said in a warning', () => {
    expect(document.options).toMatchObject({ kink: 'stationary' });
    for (const k of ['a', 'c'] as const) expect(Math.abs(s.cell![k] - g[k]!), `${k}: ${s.cell![k]} vs GULP ${g[k]}`).toBeLessThanOrEqual(TOL.gulpKinkCellA);
    expect(s.warnings.map((w) => w.kind)).toEqual(['cutoff-stationary']);
  });

  it('is a stationary point of the truncated energy: forces and stress vanish, and E is smooth around it', () => {
    const job = parseJob(document);
    const geometry = REPORTS.get(name)!;
    expect(geometry.structures[0]!.converged).toBe(true);
    const model = buildEnergyModel(job.forceField);
    const stationary = relaxCrystal(model, prepareCrystal(job.structures[0]!), { kink: { mode: 'stationary', forceField: job.forceField } });
    expect(stationary.maxForce).toBeLessThan(1e-5);
    expect(evPerA3ToGPa(stationary.maxStress)).toBeLessThan(1e-4);
    // no shell between the branch's cut-offs and the real ones: central differences of the real
    // energy over ±1e-5 strain give the (zero) stress; a shell at the cut-off would jump ~1e-4 eV
    const st = stationary.structure;
    for (let k = 0; k < 6; k++) {
      const h = 1e-5;
      const e = (x: number): number => model.compute(st.deformed(deformation([0, 1, 2, 3, 4, 5].map((l) => (l === k ? x : 0)))), 0).energy;
      const dEde = (e(h) - e(-h)) / (2 * h);
      expect(Math.abs(evPerA3ToGPa(dEde / st.lattice.volume)), `strain ${k}`).toBeLessThan(1e-3);
    }
  });

  it('with the default kink (lowest-enthalpy) ends on the seam instead, flagged and not converged', async () => {
    const job = parseJob({ ...document, options: { ...document.options, kink: 'lowest-enthalpy' } });
    const r = await computeProperties(job, undefined, { transitionPressures: false, eos: false });
    const low = r.structures[0]!;
    expect(low.converged).toBe(false);
    expect(low.warnings.map((w) => w.kind)).toContain('cutoff-discontinuity');
    // lower in enthalpy than the stationary point, by the jump of the shell at the cut-off
    expect(low.properties.latticeEnergy!).toBeLessThan(s.properties.latticeEnergy!);
  });
});

/**
 * GULP's conv: the ions relax in the given cell (options.relaxCell false). Checked against the
 * constant-pressure relaxation: from the conp cell, conv finds the same internal coordinate and
 * energy; from another cell, it keeps that cell exactly, with zero forces and the stress it has.
 */
describe('GULP conv (options.relaxCell false)', () => {
  const conv = (gin: string): JobDocument => readGulp(gin.replace('opti conp prop', 'opti conv prop'), { library }).document;
  const rutile = read('rutile-kcal.gin');
  const conp = REPORTS.get('rutile-kcal')!.structures[0]!;

  it('in the cell of the conp relaxation, relaxes the ions to the same point and energy', async () => {
    const { a, c } = conp.cell!;
    const gin = rutile.replace('4.594 4.594 2.959 90 90 90', `${a} ${a} ${c} 90 90 90`);
    const r = (await computeProperties(parseJob(conv(gin)), undefined, { transitionPressures: false, eos: false })).structures[0]!;
    expect(r.converged).toBe(true);
    expect(Math.abs(r.sites![1]!.frac[0]! - conp.sites![1]!.frac[0]!)).toBeLessThan(1e-6);
    expect(close(r.properties.latticeEnergy!, conp.properties.latticeEnergy!, 1e-10, 0)).toBe(true);
  });

  it('in another cell, keeps that cell, relaxes the ions and says the stress it leaves', async () => {
    const r = (await computeProperties(parseJob(conv(rutile)), undefined, { transitionPressures: false, eos: false })).structures[0]!;
    expect(r.converged).toBe(true);
    expect([r.cell!.a, r.cell!.c].map((x) => +x.toFixed(10))).toEqual([4.594, 2.959]);
    expect(Math.abs(r.sites![1]!.frac[0]! - 0.3048)).toBeGreaterThan(1e-4);
    const w = r.warnings.find((x) => x.kind === 'fixed-cell');
    expect(w?.message).toMatch(/residual stress of up to [0-9.]+ GPa/);
  });

  it('is written back to GULP as conv', () => {
    const doc = conv(rutile);
    const text = writeGulpInput(doc);
    expect(text).toMatch(/^opti conv prop$/m);
    expect(readGulp(text).document.options).toMatchObject({ relaxCell: false });
  });

  it('is refused by a fit, as kink: stationary is (both are for properties jobs)', async () => {
    const doc = imported('mgo-fit-relax').document;
    await expect(runFit(parseJob({ ...doc, options: { ...doc.options, relaxCell: false } }))).rejects.toMatchObject({ code: 'INVALID_DOCUMENT', message: /relaxCell false .* a fit relaxes every structure at constant pressure/ });
    await expect(runFit(parseJob({ ...doc, options: { ...doc.options, kink: 'stationary' } }))).rejects.toMatchObject({ code: 'INVALID_DOCUMENT', message: /kink 'stationary' is for properties jobs/ });
  });
});

/**
 * α-quartz with BKS (bks-quartz.gin): the relaxed-ion C_ij of the report (Hessian with the internal
 * strain removed, trigonal 32: C14 ≠ 0) against central differences of the stress at strains ±2e-5
 * with the ions relaxed in P1 at each strain (fixed cell). Both enantiomorphs (P3₁21 and P3₂21,
 * the second the inversion of the first) give the same constants.
 */
describe('BKS α-quartz: elastic constants against strained relaxations', () => {
  const job = parseJob(imported('bks-quartz').document);
  const model = buildEnergyModel(job.forceField);
  const relaxed = relaxCrystal(model, prepareCrystal(job.structures[0]!), { kink: { mode: 'stationary', forceField: job.forceField } });
  const report = REPORTS.get('bks-quartz')!.structures[0]!;

  it('the relaxed-ion constants equal dσ/de of relaxations at fixed strained cells', () => {
    // a Si-O shell lies 6.7e-4 Å inside the 10 Å cut-off: strains of ±2e-5 (≤ 2e-4 Å at 10 Å) stay
    // on its side, where ±1e-4 would carry it across (a stress jump, not a derivative)
    const h = 2e-5;
    const fd: number[][] = [[], [], [], [], [], []];
    for (let l = 0; l < 6; l++) {
      const [plus, minus] = [h, -h].map((x) => {
        const e = [0, 0, 0, 0, 0, 0];
        e[l] = x;
        const r = relax(model, relaxed.structure.deformed(deformation(e)), { fixCell: true, forceTolerance: 1e-10, checkStability: false });
        expect(r.converged).toBe(true);
        const d = model.compute(r.structure, 1).strain!;
        return Array.from(d, (v) => evPerA3ToGPa(v / r.structure.lattice.volume));
      });
      for (let k = 0; k < 6; k++) fd[k]![l] = (plus![k]! - minus![k]!) / (2 * h);
    }
    let worst = 0;
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) worst = Math.max(worst, Math.abs(fd[i]![j]! - report.elastic!.relaxed[i]![j]!));
    expect(worst).toBeLessThan(TOL.elasticFiniteStrainGPa);
    expect(Math.abs(report.elastic!.relaxed[0]![3]!)).toBeGreaterThan(1);
  });

  it('the other enantiomorph (P3₂21, coordinates inverted) gives the same constants', async () => {
    const gin = read('bks-quartz.gin')
      .replace('Si core  0.468200   0.000000   0.333333', 'Si core  0.531800   0.000000   0.666667')
      .replace('O  core  0.413100   0.266100   0.213100', 'O  core  0.586900   0.733900   0.786900')
      .replace(/^152$/m, '154');
    const other = (await computeProperties(parseJob(readGulp(gin, { library }).document), undefined, { transitionPressures: false, eos: false })).structures[0]!;
    expect(other.spaceGroup.number).toBe(154);
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < 6; j++) {
        // inversion flips the sign of nothing in C (a rank-4 tensor); the b axis choice may flip C14's sign
        const [a, b] = [other.elastic!.relaxed[i]![j]!, report.elastic!.relaxed[i]![j]!];
        expect(Math.abs(Math.abs(a) - Math.abs(b)), `C${i + 1}${j + 1}`).toBeLessThan(TOL.elasticFiniteStrainGPa);
      }
  });
});

/**
 * Single points: the same inputs with `prop` alone (no optimisation), in the cell GULP's
 * optimisation ended in (its printed conventional cell; rock salt and fcc have no free internal
 * coordinate, so the cell is the whole geometry). This compares the energy model alone, apart
 * from either optimiser: energy (enthalpy at a pressure) per formula unit and the Cij there.
 */
describe.each(['mgo-buckingham', 'two-configurations-pressure', 'argon-lennard', 'argon-lennard-epsilon', 'argon-lennard-zero'])('GULP input %s as a single point in GULP\'s final cell', (name) => {
  const ref = REFERENCE[name]!;
  const lines = read(`${name}.gin`).split('\n');
  lines[0] = lines[0]!.replace('opti conp prop', 'prop');
  let k = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== 'cell') continue;
    const g = ref.configurations[k++]!.conventionalCell!;
    lines[i + 1] = [g.a, g.b, g.c, g.alpha, g.beta, g.gamma].join(' ');
  }
  const { document } = readGulp(lines.join('\n'), { library });
  const job = parseJob(document);
  const noCoulomb = Object.values(document.species).every((s) => s.charge === 0);

  it.each(ref.configurations.map((c, i) => [i, c] as const))('configuration %i: energy (enthalpy) per formula unit and Cij as GULP at the same geometry', async (i, c) => {
    expect(document.options?.relax).toBe(false);
    const s = (await computeProperties(job, undefined, { transitionPressures: false, eos: false })).structures[i]!;
    const p = c.pressureGPa ?? 0;
    const h = s.properties.latticeEnergy! + (p / GPA_PER_EV_PER_A3) * s.properties.volume!;
    relEq(h, (c.enthalpyEV ?? c.energyEV!) / primitiveFormulaUnits(job.structures[i]!), noCoulomb ? TOL.gulpEnergyNoCoulombRel : TOL.gulpEnergyRel);
    const G = c.elasticGPa!;
    const tol = TOL.gulpElasticRelOfMax * Math.max(...G.flat().map(Math.abs));
    for (const [a, b] of [[0, 0], [0, 1], [3, 3]] as const) expect(Math.abs(s.elastic!.relaxed[a]![b]! - G[a]![b]!)).toBeLessThanOrEqual(tol);
  });
});
