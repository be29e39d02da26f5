/**
 * The properties renderer (src/reports/properties.ts): a pure function of the result type. The
 * result here is written by hand (a rock-salt MgO entry with round numbers), so the test reads
 * nothing but what it asserts on.
 */
import { describe, expect, it } from 'vitest';
import { renderPropertiesResult, structureDetailMarkdown } from '../src/reports/properties.js';
import type { PropertiesCommandResult, StructureProperties } from '../src/workflows/results.js';

const C = [
  [300, 100, 100, 0, 0, 0],
  [100, 300, 100, 0, 0, 0],
  [100, 100, 300, 0, 0, 0],
  [0, 0, 0, 150, 0, 0],
  [0, 0, 0, 0, 150, 0],
  [0, 0, 0, 0, 0, 150],
];
const mgo: StructureProperties = {
  id: 'MgO-RS',
  label: 'Rock salt',
  formula: 'MgO',
  spaceGroup: { symbol: 'Fm-3m', number: 225 },
  converged: true,
  iterations: 4,
  warnings: [{ kind: 'eos', message: 'MgO-RS: a warning of the equation of state' }],
  properties: { C11: 300, C12: 100, C44: 150, BVoigt: 166.67, BReuss: 166.67, BHill: 166.67, GVoigt: 130, GReuss: 127.27, GHill: 128.64 },
  elastic: { relaxed: C, clamped: C, compliance: C, eigenvalues: [150, 150, 150, 200, 200, 500], stable: true, internalStable: true },
};

describe('structureDetailMarkdown', () => {
  const md = structureDetailMarkdown(mgo);
  it('heads the section with id, label, space-group symbol and number', () => {
    expect(md.split('\n')[0]).toBe('## MgO-RS: Rock salt (Fm-3m, No. 225)');
  });
  it('writes the relaxed-ion tensor row by row in Voigt order', () => {
    expect(md).toContain('| xx | 300.00 | 100.00 | 100.00 | 0.00 | 0.00 | 0.00 |');
    expect(md).toContain('| xy | 0.00 | 0.00 | 0.00 | 0.00 | 0.00 | 150.00 |');
  });
  it('says Born-stable from the eigenvalues, and not Born-stable when one is negative', () => {
    expect(md).toContain('Eigenvalues of C (GPa): 150.00, 150.00, 150.00, 200.00, 200.00, 500.00: Born-stable.');
    const unstable = structureDetailMarkdown({ ...mgo, elastic: { ...mgo.elastic!, eigenvalues: [-5, 150, 150, 200, 200, 500], stable: false } });
    expect(unstable).toContain('**not Born-stable**');
  });
  it('lists the warnings and the relaxation status', () => {
    expect(md).toContain('Relaxation converged in 4 iterations.');
    expect(md).toContain('- MgO-RS: a warning of the equation of state');
  });
  it('a failed structure says so with its code', () => {
    expect(structureDetailMarkdown({ ...mgo, error: { code: 'RELAX_NOT_CONVERGED', message: 'no minimum' } })).toContain('**Failed** (RELAX_NOT_CONVERGED): no minimum');
  });
});

describe('renderPropertiesResult', () => {
  const result = {
    kind: 'properties', name: 'MgO', pressureGPa: 0, wallTimeMs: 0, warnings: [], structures: [mgo], charges: { Mg: 2, O: -2 }, parameters: [], normalization: [],
    targets: [{ id: 'MgO-RS', properties: {}, extras: {} }], settings: { relax: true, pressureGPa: 0, bulkModulus: 'reuss', shearModulus: 'hill' },
    document: { species: { Mg: { charge: 2 }, O: { charge: -2 } }, potentials: [], structures: [] },
  } as unknown as PropertiesCommandResult;
  it('json is the result itself', () => {
    expect(JSON.parse(renderPropertiesResult(result, 'json'))).toEqual(JSON.parse(JSON.stringify(result)));
  });
  it('markdown appends the detail section of every structure to the report', () => {
    expect(renderPropertiesResult(result, 'markdown')).toContain(structureDetailMarkdown(mgo));
  });
});
