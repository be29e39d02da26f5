import { describe, it, expect } from 'vitest';
import { parseJob } from '../src/document/parse.js';
import { computeProperties } from '../src/properties/index.js';
import { publishedSubset } from './helpers/jobs.js';

const props = async (ids: string[], symmetry: 'keep' | 'p1') => {
  const doc = publishedSubset(ids);
  doc.options = { ...doc.options, symmetry };
  return (await computeProperties(parseJob(doc), undefined, { transitionPressures: false })).structures[0]!;
};

describe('relaxation in P1 (options.symmetry = "p1")', () => {
  it('lets the honeycomb CdSe saddle point (a stationary point only by symmetry) relax to lower energy', async () => {
    const keep = await props(['CdSe-HC'], 'keep');
    const p1 = await props(['CdSe-HC'], 'p1');
    expect(p1.properties.latticeEnergy!).toBeLessThan(keep.properties.latticeEnergy! - 1e-4);
  });

  it('returns wurtzite, a true minimum, to its symmetric geometry from the rattled start', async () => {
    const keep = await props(['CdSe-WZ'], 'keep');
    const p1 = await props(['CdSe-WZ'], 'p1');
    expect(Math.abs(p1.properties.latticeEnergy! - keep.properties.latticeEnergy!)).toBeLessThan(1e-8);
    expect(Math.abs(p1.properties.a! - keep.properties.a!)).toBeLessThan(1e-4);
  });
});
