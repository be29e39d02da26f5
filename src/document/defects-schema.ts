/**
 * The `defects` block of a job document (docs/defects.md): supercells per structure, the point
 * defects to compute, the mixed phases, and the DFT values to set beside them.
 */
import { Type, type Static } from 'typebox';

const Int3 = Type.Array(Type.Integer({ minimum: 1 }), { minItems: 3, maxItems: 3 });
const Row = Type.Array(Type.Number(), { minItems: 3, maxItems: 3 });

export const SupercellSpecSchema = Type.Union(
  [
    Type.Object({ multiples: Int3 }, { additionalProperties: false, description: 'n1 × n2 × n3 of the structure’s cell' }),
    Type.Object({ hexagonal: Int3 }, { additionalProperties: false, description: 'n1 a_h × n2 a_h × n3 c_h of the hexagonal setting (cubic face-centred cells: a_h = ½[1-10], c_h = [111])' }),
    Type.Object({ matrix: Type.Array(Row, { minItems: 3, maxItems: 3 }) }, { additionalProperties: false, description: 'rows: new vectors in units of the cell’s vectors' }),
  ],
  { description: 'a supercell of the structure’s conventional cell' },
);

export const DefectEntrySchema = Type.Object(
  {
    kind: Type.Union([
      Type.Literal('vacancy'), Type.Literal('interstitial'), Type.Literal('substitution'), Type.Literal('schottky-pair'),
      Type.Literal('schottky-dimer'), Type.Literal('frenkel-cation'), Type.Literal('frenkel-anion'), Type.Literal('swap'),
    ]),
    structure: Type.String({ description: 'id of the structure' }),
    partner: Type.Optional(Type.String({ description: 'swap: id of the second compound' })),
    species: Type.Optional(Type.String({ description: 'vacancy, interstitial, substitution: the species' })),
    by: Type.Optional(Type.String({ description: 'substitution: the species put in' })),
    separation: Type.Optional(Type.Union([Type.Literal('separated'), Type.Literal('bound')], { description: 'Frenkel pair (default separated)' })),
    dft: Type.Optional(Type.Number({ description: 'DFT formation energy, eV (reported beside)' })),
  },
  { additionalProperties: false },
);

export const MixingEntrySchema = Type.Object(
  {
    phase: Type.String({ description: 'label, e.g. RS or WZ' }),
    structure: Type.String({ description: 'id of the host structure' }),
    supercell: SupercellSpecSchema,
    species: Type.Array(Type.String(), { minItems: 2, maxItems: 2, description: 'the two mixed species; x is the fraction of the first' }),
    references: Type.Record(Type.String(), Type.String(), { description: 'structure id of the reference phase of each of the two species' }),
    x: Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { minItems: 1 }),
    configurations: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: 'random configurations per x (default 3)' })),
    seed: Type.Optional(Type.Integer({ description: 'seed of the first configuration (default 1)' })),
    dft: Type.Optional(Type.Array(Type.Object({ x: Type.Number(), formationEnergy: Type.Number(), a: Type.Optional(Type.Number()), c: Type.Optional(Type.Number()) }, { additionalProperties: false }))),
  },
  { additionalProperties: false },
);

export const DefectsBlockSchema = Type.Object(
  {
    supercells: Type.Record(Type.String(), Type.Array(SupercellSpecSchema, { minItems: 1 }), {
      description: 'per structure id: the supercell of the tables, then (for finiteSize) more sizes',
    }),
    list: Type.Optional(Type.Array(DefectEntrySchema)),
    mixing: Type.Optional(Type.Array(MixingEntrySchema)),
    finiteSize: Type.Optional(Type.Boolean({ description: 'compute each defect in every supercell listed (default false)' })),
    relaxCell: Type.Optional(Type.Boolean({ description: 'defects at constant pressure instead of the perfect crystal’s cell (default false)' })),
    forceTolerance: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'eV/Å (default 1e-3)' })),
    stressToleranceGPa: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'GPa (default 1e-2)' })),
    maxIterations: Type.Optional(Type.Integer({ minimum: 1 })),
    interstitialStarts: Type.Optional(Type.Integer({ minimum: 1, maximum: 12, description: 'interstitials and Frenkel pairs: starting configurations per site class, in the order hole, face, split, then rattled copies of those (default 4); each is a relaxation' })),
    coulombAccuracy: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Ewald accuracy for the supercells, eV/atom (default 1e-7)' })),
  },
  { additionalProperties: false },
);

export type DefectsBlock = Static<typeof DefectsBlockSchema>;
export type SupercellSpecInput = Static<typeof SupercellSpecSchema>;
