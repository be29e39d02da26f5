/**
 * The job document: the public contract of the CLI and the HTTP service
 * (`fixtures/pbcdse-fit.json` is its reference instance). Written in TypeBox so the same
 * definition validates input at the door and documents the API in OpenAPI.
 *
 * Units: lengths Å, angles degrees, charges e, A eV, rho Å, C eV·Å⁶, cut-offs Å, pressure GPa.
 */
import { Type, type Static } from 'typebox';
import { WEIGHT_CLASSES } from '../properties/vocabulary.js';
import { DefectsBlockSchema } from './defects-schema.js';

const Num = (description: string, extra: Record<string, unknown> = {}) => Type.Number({ description, ...extra });
const Vec3 = Type.Array(Type.Number(), { minItems: 3, maxItems: 3 });

export const SpeciesSchema = Type.Object(
  {
    charge: Num('partial charge, e'),
    mass: Type.Optional(Num('atomic mass, u (informational)')),
    vary: Type.Optional(Type.Array(Type.Literal('charge'), { maxItems: 1, description: 'fit this species\' charge (parameter name "<species>.charge"), as potentials[].vary: ["charge"]. With one varied charge and no tiedTo anywhere, every other charge follows in proportion (q_s = q_s⁰ q/q⁰), which keeps every structure neutral' })),
    bounds: Type.Optional(
      Type.Object({ charge: Type.Array(Type.Number(), { minItems: 2, maxItems: 2, description: 'lower and upper bound of the fitted charge, e' }) }, { additionalProperties: false, description: 'bounds of the fitted charge (default: it keeps its sign)' }),
    ),
    tiedTo: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.Number(), { description: 'this charge follows varied ones: q = Σ ratio × q(varied species), e.g. {"Cd": -1} for Se = −Cd; must equal the given charge at the start, and keep every structure neutral' }),
    ),
  },
  { additionalProperties: false },
);

export const BoundsSchema = Type.Record(Type.String(), Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }), {
  description: 'lower and upper bound per parameter name, e.g. {"rho": [0.05, 0.5]}',
});

const DESC_CUTOFF_MODE = 'how the pair energy ends at the cut-off: truncate (default, as GULP: a kink where a neighbour shell crosses it), shifted-force (energy and force go to zero at the cut-off) or taper (quintic switch over the last taperWidth Å: energy, force and curvature continuous)';
const CutoffModeSchema = Type.Union([Type.Literal('truncate'), Type.Literal('shifted-force'), Type.Literal('taper')], { description: DESC_CUTOFF_MODE });
const TaperWidthSchema = Num('taper: width of the switching range below the cut-off, Å (default 1)', { exclusiveMinimum: 0 });

export const PotentialSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('buckingham'), Type.Literal('lennard-jones')], {
      description: 'buckingham: A exp(-r/rho) - C/r^6; lennard-jones: A/r^12 - B/r^6',
    }),
    species: Type.Array(Type.String({ minLength: 1 }), { minItems: 2, maxItems: 2 }),
    A: Type.Optional(Num('buckingham: eV; lennard-jones: eV·Å¹²')),
    rho: Type.Optional(Num('buckingham: Å', { exclusiveMinimum: 0 })),
    C: Type.Optional(Num('buckingham: eV·Å⁶')),
    B: Type.Optional(Num('lennard-jones: eV·Å⁶')),
    epsilon: Type.Optional(Num('lennard-jones well depth, eV (alternative to A, B)')),
    sigma: Type.Optional(Num('lennard-jones zero crossing, Å (alternative to A, B)', { exclusiveMinimum: 0 })),
    cutoff: Type.Optional(Num('short-range cut-off, Å (default 12)', { exclusiveMinimum: 0 })),
    cutoffMode: Type.Optional(CutoffModeSchema),
    taperWidth: Type.Optional(TaperWidthSchema),
    vary: Type.Optional(Type.Array(Type.String(), { description: 'parameters to fit, e.g. ["A", "rho", "C"]' })),
    bounds: Type.Optional(BoundsSchema),
  },
  { additionalProperties: false },
);

export const PropertyTargetSchema = Type.Object(
  {
    exp: Type.Optional(Type.Number({ description: 'experimental value' })),
    dft: Type.Optional(Type.Number({ description: 'DFT value' })),
    dftNormalized: Type.Optional(Type.Number({ description: 'DFT value rescaled to the experimental volume of the reference polymorph' })),
    md: Type.Optional(Type.Number({ description: 'molecular-dynamics value (300 K), reported in parentheses' })),
    fit: Type.Optional(
      Type.Union([Type.Literal('exp'), Type.Literal('dft'), Type.Literal('dftNormalized')], {
        description: 'which source is the fit target (md values are finite-temperature results, a report column only); absent: reported, not fitted',
      }),
    ),
    weight: Type.Optional(Type.Number({ minimum: 0, description: 'overrides the class default weight' })),
    reference: Type.Optional(Type.String({ description: 'relativeEnergy: id of the reference structure' })),
    to: Type.Optional(Type.String({ description: 'transitionPressure: id of the high-pressure structure' })),
  },
  { additionalProperties: false },
);

/** Report-only nested values, e.g. rmsdAt300K: {Cd: {exp: 0.14}} or surfaceEnergy: {"(100)": {dft: 0.18}}. */
export const NestedValuesSchema = Type.Record(Type.String(), Type.Record(Type.String(), Type.Number()));

export const CellSchema = Type.Object(
  {
    a: Type.Optional(Num('Å')),
    b: Type.Optional(Num('Å')),
    c: Type.Optional(Num('Å')),
    alpha: Type.Optional(Num('degrees')),
    beta: Type.Optional(Num('degrees')),
    gamma: Type.Optional(Num('degrees')),
    vectors: Type.Optional(Type.Array(Vec3, { minItems: 3, maxItems: 3, description: 'lattice vectors as rows, Å (instead of parameters; P1 only)' })),
  },
  { additionalProperties: false, description: 'conventional cell; parameters the space group implies may be omitted' },
);

export const SiteSchema = Type.Object(
  {
    species: Type.String({ minLength: 1 }),
    frac: Vec3,
    label: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** A face whose surface energy is computed (docs/surface.md). */
export const SurfaceSpecSchema = Type.Object(
  {
    face: Type.Array(Type.Integer(), { minItems: 3, maxItems: 4, description: 'Miller [h, k, l] of the conventional cell, or Miller-Bravais [h, k, i, l] with i = −(h + k)' }),
    exp: Type.Optional(Type.Number({ description: 'experimental surface energy, J/m²' })),
    dft: Type.Optional(Type.Number({ description: 'DFT surface energy, J/m²' })),
    termination: Type.Optional(Type.Integer({ minimum: 0, description: 'index of the termination (default: the lowest-energy non-polar one)' })),
    acceptDipole: Type.Optional(Type.Boolean({ description: 'compute a polar (Tasker III) termination anyway' })),
    tolerance: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'thickness convergence of E_surf, J/m² (default 0.001)' })),
    fit: Type.Optional(
      Type.Union([Type.Number({ exclusiveMinimum: 0, description: 'target surface energy, J/m²' }), Type.Literal('exp'), Type.Literal('dft')], {
        description: 'fit this surface energy: to a target in J/m², or to the exp or dft value of the entry',
      }),
    ),
    weight: Type.Optional(Type.Number({ minimum: 0, description: 'weight of the fitted surface energy (default: options.defaultWeights.energy)' })),
  },
  { additionalProperties: false },
);

export const StructureSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.:+-]+$' }),
    label: Type.Optional(Type.String({ maxLength: 200 })),
    spaceGroup: Type.Optional(Type.Union([Type.String(), Type.Integer({ minimum: 1, maximum: 230 })], { description: 'Hermann-Mauguin symbol or number; default P1' })),
    origin: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)], { description: 'origin choice (default 1, as GULP)' })),
    rhombohedralAxes: Type.Optional(Type.Boolean({ description: 'R groups on rhombohedral axes (default hexagonal)' })),
    cell: CellSchema,
    pressure: Type.Optional(Type.Number({ description: 'GPa: this structure is relaxed and its properties computed at this pressure instead of options.pressure' })),
    sites: Type.Array(SiteSchema, { minItems: 1, description: 'asymmetric unit, fractional coordinates' }),
    properties: Type.Optional(Type.Record(Type.String(), Type.Union([PropertyTargetSchema, NestedValuesSchema]))),
    surfaces: Type.Optional(Type.Array(SurfaceSpecSchema, { description: 'faces whose surface energies are computed' })),
  },
  { additionalProperties: false },
);

const weightProps = Object.fromEntries(WEIGHT_CLASSES.map((k) => [k, Type.Optional(Type.Number({ minimum: 0 }))]));

export const OptionsSchema = Type.Object(
  {
    relax: Type.Optional(Type.Boolean({ description: 'relaxed fitting (default true); false: conventional fit at the given geometry' })),
    pressure: Type.Optional(Type.Number({ description: 'GPa (default 0)' })),
    defaultWeights: Type.Optional(Type.Object(weightProps, { additionalProperties: false })),
    bulkModulus: Type.Optional(Type.Union([Type.Literal('reuss'), Type.Literal('voigt'), Type.Literal('hill')])),
    shearModulus: Type.Optional(Type.Union([Type.Literal('reuss'), Type.Literal('voigt'), Type.Literal('hill')])),
    maxIterations: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
    starts: Type.Optional(Type.Integer({ minimum: 1, maximum: 256, description: 'multi-start: number of starts (default 1)' })),
    seed: Type.Optional(Type.Integer({ description: 'multi-start random seed' })),
    coulombAccuracy: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Ewald accuracy, eV per atom (default 1e-8)' })),
    normalizeDft: Type.Optional(Type.Boolean({ description: 'compute dftNormalized lattice values where missing (default true)' })),
    guards: Type.Optional(
      Type.Union([Type.Boolean(), Type.Array(Type.Union([Type.Literal('hard-wall'), Type.Literal('repulsion-vanished'), Type.Literal('near-turnover'), Type.Literal('not-minimum')]), { maxItems: 4 })], {
        description: 'guards the fit respects as constraints (default none: they are warnings only): true for all, or a list of hard-wall, repulsion-vanished, near-turnover, not-minimum',
      }),
    ),
    equationOfState: Type.Optional(Type.Boolean({ description: 'Birch-Murnaghan equation of state (E-V and p-V fits) of every structure, a cross-check of B: an extra, on by default for a fit (computed once, after the fit, at the fitted parameters: the E-V curves of its polymorph figure), off by default for a properties job; true or false overrides' })),
    transitionPressures: Type.Optional(Type.Boolean({ description: 'search the transition pressures that transitionPressure targets ask for (default true; false skips the scans)' })),
    elasticConstants: Type.Optional(
      Type.Union([Type.Literal('energy'), Type.Literal('stress-strain'), Type.Literal('gulp')], {
        description: 'at a non-zero pressure: energy second derivatives (default), stress-strain (Birch) coefficients, or GULP 6.1\'s definition',
      }),
    ),
    cutoffMode: Type.Optional(CutoffModeSchema),
    taperWidth: Type.Optional(TaperWidthSchema),
    symmetry: Type.Optional(
      Type.Union([Type.Literal('keep'), Type.Literal('p1')], { description: 'relax keeping each space group (default) or in P1, to expose instabilities that symmetry hides' }),
    ),
    kink: Type.Optional(
      Type.Union([Type.Literal('lowest-enthalpy'), Type.Literal('stationary')], {
        description: "properties: where a relaxation ends when the lowest enthalpy lies on a cut-off kink (a neighbour shell at a plain cut-off): the lowest-enthalpy point, flagged and not converged (default), or the stress-free stationary point of one branch, as GULP and LAMMPS (a fit refuses 'stationary')",
      }),
    ),
    relaxCell: Type.Optional(
      Type.Boolean({ description: "false: relax the ions in the given cell (GULP's conv); default true, constant pressure (conp). A fit refuses false" }),
    ),
  },
  { additionalProperties: false },
);

export const JobDocumentSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 500 })),
    species: Type.Record(Type.String({ minLength: 1 }), SpeciesSchema),
    potentials: Type.Array(PotentialSchema),
    structures: Type.Array(StructureSchema, { minItems: 1 }),
    options: Type.Optional(OptionsSchema),
    defects: Type.Optional(DefectsBlockSchema),
    md: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'molecular dynamics by LAMMPS for a properties job (temperature K, pressure GPa, structures, lengths; checked by workflows/md.ts); a fit refuses it' })),
  },
  { additionalProperties: false, $id: 'JobDocument' },
);

export type JobDocument = Static<typeof JobDocumentSchema>;
export type StructureDocument = Static<typeof StructureSchema>;
export type PotentialDocument = Static<typeof PotentialSchema>;
export type PropertyTarget = Static<typeof PropertyTargetSchema>;
