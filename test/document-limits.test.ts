/**
 * The cheap checks at the door (src/document/limits.ts) through `parseJob`: numbers outside their
 * physical range, species named like inherited JavaScript members, too many sites before the
 * expansion, and the job-cost budget. Each case was a 500, a stall or a meaningless "success"
 * before: the error must now be a DomainError with a stable code and a pointer into the document.
 */
import { describe, expect, it } from 'vitest';
import { parseJob } from '../src/document/parse.js';
import { checkJobCost, estimateJobCost, NUMBER_RANGES, rangeFor, renderRangeTable } from '../src/document/limits.js';
import { JobDocumentSchema } from '../src/document/schema.js';
import { validateTask } from '../src/workflows/tasks.js';
import { fixture } from './helpers/jobs.js';

type Doc = Record<string, any>;

/** Rock salt in Fm-3m: two sites, 8 atoms. */
const rockSalt = (): Doc => ({
  species: { Na: { charge: 1 }, Cl: { charge: -1 } },
  potentials: [{ type: 'buckingham', species: ['Na', 'Cl'], A: 1000, rho: 0.3, C: 0, vary: ['A'] }],
  structures: [
    {
      id: 'NaCl',
      spaceGroup: 'Fm-3m',
      cell: { a: 5.64 },
      sites: [
        { species: 'Na', frac: [0, 0, 0] },
        { species: 'Cl', frac: [0.5, 0.5, 0.5] },
      ],
      properties: { a: { exp: 5.64, fit: 'exp' } },
    },
  ],
  options: { maxIterations: 20 },
});

const edit = (f: (d: Doc) => void): Doc => {
  const d = rockSalt();
  f(d);
  return d;
};

function refusal(doc: unknown, opts?: Parameters<typeof parseJob>[1]): { code: string; path: string; message: string } {
  try {
    parseJob(doc, opts);
  } catch (e) {
    const d = e as { name: string; code: string; path: string; message: string };
    expect(d.name).toBe('DomainError');
    return { code: d.code, path: d.path, message: d.message };
  }
  throw new Error('parseJob accepted the document');
}

/** The value at a JSON pointer of `doc` (undefined when the pointer does not exist). */
function at(doc: unknown, pointer: string): unknown {
  let v: any = doc;
  for (const seg of pointer.split('/').slice(1)) {
    const k = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k)) return undefined;
    v = v[k];
  }
  return v;
}

describe('numbers outside their physical range', () => {
  const cases: [string, (d: Doc) => void, string][] = [
    ['cell a = 1e308', (d) => (d.structures[0].cell.a = 1e308), '/structures/0/cell/a'],
    ['cell a = 1e200', (d) => (d.structures[0].cell.a = 1e200), '/structures/0/cell/a'],
    ['cell a = 1e-300', (d) => (d.structures[0].cell.a = 1e-300), '/structures/0/cell/a'],
    ['cut-off 1e4', (d) => (d.potentials[0].cutoff = 1e4), '/potentials/0/cutoff'],
    ['cut-off 1e6', (d) => (d.potentials[0].cutoff = 1e6), '/potentials/0/cutoff'],
    ['coulombAccuracy 1e300', (d) => (d.options.coulombAccuracy = 1e300), '/options/coulombAccuracy'],
    ['coulombAccuracy 1e-300', (d) => (d.options.coulombAccuracy = 1e-300), '/options/coulombAccuracy'],
    ['A = 1e300', (d) => (d.potentials[0].A = 1e300), '/potentials/0/A'],
    ['C = 1e300', (d) => (d.potentials[0].C = 1e300), '/potentials/0/C'],
    ['rho = 1e300', (d) => (d.potentials[0].rho = 1e300), '/potentials/0/rho'],
    ['a bound of 1e300', (d) => (d.potentials[0].bounds = { A: [0, 1e300] }), '/potentials/0/bounds/A/1'],
    ['pressure 1e308', (d) => (d.options.pressure = 1e308), '/options/pressure'],
    ['a default weight 1e308', (d) => (d.options.defaultWeights = { length: 1e308 }), '/options/defaultWeights/length'],
    ['a target weight 1e308', (d) => (d.structures[0].properties.a.weight = 1e308), '/structures/0/properties/a/weight'],
    ['a target of 1e308', (d) => (d.structures[0].properties.a.exp = 1e308), '/structures/0/properties/a/exp'],
    ['a charge of 1e308 (on both ions: still neutral)', (d) => ((d.species.Na.charge = 1e308), (d.species.Cl.charge = -1e308)), '/species/Na/charge'],
    ['a fractional coordinate of 1e300', (d) => (d.structures[0].sites[0].frac = [1e300, 0, 0]), '/structures/0/sites/0/frac/0'],
  ];
  it.each(cases)('%s → INVALID_DOCUMENT (INVALID_CELL for cells) at the number', (_name, f, path) => {
    const doc = edit(f);
    const r = refusal(doc);
    expect(r).toMatchObject({ code: path.includes('/cell/') ? 'INVALID_CELL' : 'INVALID_DOCUMENT', path });
    expect(at(doc, path)).toEqual(expect.any(Number));
    expect(r.message).toMatch(/outside the range/);
  });

  it('accepts the reference documents and the ends of every range it uses', () => {
    expect(() => parseJob(fixture('pbcdse-fit.json'))).not.toThrow();
    expect(() => parseJob(fixture('pbcdse-published.json'))).not.toThrow();
    expect(() => parseJob(edit((d) => ((d.potentials[0].cutoff = 50), (d.options.coulombAccuracy = 1e-16), (d.options.pressure = 1000))))).not.toThrow();
  });

  it('documents every range in a table', () => {
    const table = renderRangeTable();
    for (const r of NUMBER_RANGES) expect(table).toContain(`\`${r.pointer}\``);
  });
});

describe('species named like members every JavaScript object inherits', () => {
  it.each(['toString', 'constructor', 'valueOf', 'hasOwnProperty'])('a declared species "%s" is refused at its name', (name) => {
    const doc = edit((d) => {
      d.species = { [name]: { charge: 1 }, Cl: { charge: -1 } };
      d.potentials[0].species = [name, 'Cl'];
      d.structures[0].sites[0].species = name;
    });
    expect(refusal(doc)).toMatchObject({ code: 'INVALID_DOCUMENT', path: `/species/${name}` });
  });

  it.each(['toString', 'constructor', 'valueOf', '__proto__'])('an undeclared species "%s" on a site is UNKNOWN_SPECIES', (name) => {
    const doc = edit((d) => (d.structures[0].sites[0].species = name));
    expect(refusal(doc)).toMatchObject({ code: 'UNKNOWN_SPECIES', path: '/structures/0/sites/0/species' });
  });

  it.each(['valueOf', 'toString', '__proto__'])('a potential on an undeclared species "%s" is UNKNOWN_SPECIES', (name) => {
    const doc = edit((d) => d.potentials.push({ type: 'buckingham', species: ['Na', name], A: 100, rho: 0.3, C: 0 }));
    expect(refusal(doc)).toMatchObject({ code: 'UNKNOWN_SPECIES', path: '/potentials/1/species/1' });
  });

  it('a species key "__proto__" from JSON.parse is refused at its name, not taken as a prototype', () => {
    const doc = JSON.parse('{"species": {"__proto__": {"charge": 1}, "Cl": {"charge": -1}}, "potentials": [], "structures": [{"id": "x", "cell": {"a": 5, "b": 5, "c": 5, "alpha": 90, "beta": 90, "gamma": 90}, "sites": [{"species": "__proto__", "frac": [0, 0, 0]}, {"species": "Cl", "frac": [0.5, 0.5, 0.5]}]}]}');
    expect(refusal(doc)).toMatchObject({ code: 'INVALID_DOCUMENT', path: '/species/__proto__' });
  });
});

describe('the atom limit before the expansion', () => {
  it('10,000 sites in Fm-3m are refused from the site count, before any expansion', () => {
    const doc = edit((d) => {
      d.structures[0].sites = Array.from({ length: 10_000 }, (_, i) => ({ species: i % 2 ? 'Cl' : 'Na', frac: [(i % 100) / 100, Math.floor(i / 100) / 100, 0.123] }));
    });
    const r = refusal(doc);
    expect(r).toMatchObject({ code: 'LIMIT_EXCEEDED', path: '/structures/0/sites' });
    // the message of the first, cheapest check (after the expansion it would say "has N atoms")
    expect(r.message).toMatch(/lists 10000 sites/);
  });

  it('sites that fit the limit on special positions are still expanded and counted exactly', () => {
    // 129 sites × 4 lattice points = 516 > 512: refused cheaply; 128 × 4 = 512 passes the cheap check
    const many = (n: number) => edit((d) => (d.structures[0].sites = Array.from({ length: n }, (_, i) => ({ species: 'Na', frac: [0, 0, i / n] }))));
    expect(refusal(many(129)).message).toMatch(/at least 516/);
    // 128 sites on the c axis of Fm-3m give more than 4 atoms each: the bounded expansion refuses it
    expect(refusal(many(128)).message).toMatch(/sites in Fm-3m already give \d+ atoms in the cell; the limit is 512/);
  });
});

describe('the job-cost estimate', () => {
  it('grows as the cube of the cut-off and linearly in iterations and starts', () => {
    const base = { kind: 'fit' as const, structures: [{ atoms: 8, volume: 180 }], cutoff: 10, relax: true, maxIterations: 100, starts: 1, vary: 2 };
    const e = estimateJobCost(base).total;
    expect(estimateJobCost({ ...base, cutoff: 20 }).total / e).toBeCloseTo(8, 6);
    expect(estimateJobCost({ ...base, maxIterations: 300 }).total / e).toBeCloseTo(3, 6);
    expect(estimateJobCost({ ...base, starts: 4 }).total / e).toBeCloseTo(4, 6);
    expect(() => checkJobCost(base, e * 0.5)).toThrow(/2\.0× the budget/);
  });

  it('refuses a job over the budget with LIMIT_EXCEEDED saying by how much', () => {
    const doc = fixture('pbcdse-fit.json');
    const r = refusal(doc, { limits: { maxJobCost: 1e7 } });
    expect(r.code).toBe('LIMIT_EXCEEDED');
    expect(r.message).toMatch(/\d+× the budget of 1\.00e\+7/);
  });

  it('the default budget takes the reference fit and refuses a fit with a 50 Å cut-off, 10,000 iterations and 256 starts', () => {
    expect(() => parseJob(fixture('pbcdse-fit.json'))).not.toThrow();
    const doc = fixture('pbcdse-fit.json') as Doc;
    for (const p of doc.potentials) p.cutoff = 50;
    doc.options = { ...doc.options, maxIterations: 10_000, starts: 256 };
    expect(refusal(doc)).toMatchObject({ code: 'LIMIT_EXCEEDED', path: '/' });
  });
});

/**
 * Every number of the job document's schema, as a JSON-pointer pattern (`*` for any index or
 * key): walks objects, records, arrays and unions. The md block is opaque here (Type.Unknown;
 * workflows/md.ts checks it).
 */
function numberPointers(schema: Record<string, any>, at = ''): string[] {
  if (schema.type === 'number' || schema.type === 'integer') return [at];
  const out: string[] = [];
  for (const branch of schema.anyOf ?? []) out.push(...numberPointers(branch, at));
  if (schema.type === 'object') {
    for (const [k, v] of Object.entries(schema.properties ?? {})) out.push(...numberPointers(v as Record<string, any>, `${at}/${k}`));
    for (const v of Object.values(schema.patternProperties ?? {})) out.push(...numberPointers(v as Record<string, any>, `${at}/*`));
    if (typeof schema.additionalProperties === 'object') out.push(...numberPointers(schema.additionalProperties, `${at}/*`));
  }
  if (schema.type === 'array' && schema.items) out.push(...numberPointers(schema.items, `${at}/*`));
  return [...new Set(out)];
}

describe('every number of the document has a documented range', () => {
  const pointers = numberPointers(JobDocumentSchema as unknown as Record<string, any>);

  it('the walk finds the numbers of every part of the document (a walk that finds nothing proves nothing)', () => {
    for (const p of ['/species/*/charge', '/structures/*/cell/a', '/structures/*/pressure', '/options/coulombAccuracy', '/defects/forceTolerance', '/defects/supercells/*/*/multiples/*'])
      expect(pointers).toContain(p);
  });

  it('each number of the schema matches a row of NUMBER_RANGES', () => {
    const unranged = pointers.filter((p) => rangeFor(p) === undefined);
    expect(unranged).toEqual([]);
  });

  it('a per-structure pressure of 1e308 GPa is INVALID_DOCUMENT at its pointer (the fuzz suite found it accepted)', () => {
    expect(refusal(edit((d) => (d.structures[0].pressure = 1e308)))).toMatchObject({ code: 'INVALID_DOCUMENT', path: '/structures/0/pressure' });
  });
});

describe('the cost estimate of the further work: defect supercells and MD runs', () => {
  const rockSaltDefects = (supercell: number[], over: Doc = {}): Doc => ({ ...rockSalt(), defects: { supercells: { NaCl: [{ multiples: supercell }] }, list: [{ kind: 'vacancy', structure: 'NaCl', species: 'Na' }], ...over } });
  const refused = (f: () => unknown): { code: string; path: string; message: string } => {
    try {
      f();
    } catch (e) {
      return e as never;
    }
    throw new Error('accepted');
  };

  it('a defects job whose supercells exceed the budget is LIMIT_EXCEEDED at /defects, saying by how much and that the supercells are why', () => {
    // 8 atoms alone: 2.6e3 pair terms × 50; a 4×4×4 supercell (512 atoms) × 2001 evaluations: 3.3e8
    expect(() => validateTask('defects', rockSaltDefects([1, 1, 1]), { maxJobCost: 1e8 })).not.toThrow();
    const e = refused(() => validateTask('defects', rockSaltDefects([4, 4, 4]), { maxJobCost: 1e8 }));
    expect(e).toMatchObject({ code: 'LIMIT_EXCEEDED', path: '/defects' });
    expect(e.message).toMatch(/for the defect supercells\), [\d.]+× the budget of 1\.00e\+8/);
    // the relaxations' worst case follows the block's maxIterations
    expect(() => validateTask('defects', rockSaltDefects([4, 4, 4], { maxIterations: 100 }), { maxJobCost: 1e8 })).not.toThrow();
  });

  it('an MD run of 1e9 steps is LIMIT_EXCEEDED at /md, saying the MD is why', () => {
    const md = (productionSteps: number) => ({ ...rockSalt(), md: { temperature: 300, equilibrationSteps: 1000, productionSteps, sampleEvery: 10, supercell: [2, 2, 2] } });
    expect(() => validateTask('properties', md(2000), {})).not.toThrow();
    const e = refused(() => validateTask('properties', md(1e9), {}));
    expect(e).toMatchObject({ code: 'LIMIT_EXCEEDED', path: '/md' });
    expect(e.message).toMatch(/for the md\), [\d.]+× the budget/);
  });

  it('the slabs of a high-index face count: (20 20 19) of rock salt is refused where (100) is not, saying the slabs are why', () => {
    const withFace = (face: number[]) => edit((d) => (d.structures[0].surfaces = [{ face }]));
    expect(() => parseJob(withFace([1, 0, 0]), { kind: 'properties', limits: { maxJobCost: 1e10 } })).not.toThrow();
    const e = refusal(withFace([20, 20, 19]), { kind: 'properties', limits: { maxJobCost: 1e10 } });
    expect(e).toMatchObject({ code: 'LIMIT_EXCEEDED', path: '/' });
    expect(e.message).toMatch(/for the surface slabs\), [\d.]+× the budget/);
  });

  it('an MD pressure of 1e308 GPa is INVALID_DOCUMENT at /md/pressure', () => {
    expect(refused(() => validateTask('properties', { ...rockSalt(), md: { pressure: 1e308 } }, {}))).toMatchObject({ code: 'INVALID_DOCUMENT', path: '/md/pressure' });
  });
});
