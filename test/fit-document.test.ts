/**
 * workflows/fit-job.ts `fitDocument`: the fit use case the CLI and the service call with a raw
 * document. The overrides of a door (iterations, starts, the service's iteration limit) apply to
 * the resolved options, and an md block is refused before any work.
 */
import { describe, expect, it } from 'vitest';
import { fitDocument } from '../src/workflows/fit-job.js';
import { fixture } from './helpers/jobs.js';

/** The reference fit restricted to the two CdSe polymorphs it has (targets between them kept). */
function smallFit(maxIterations: number): Record<string, unknown> {
  const doc = fixture('pbcdse-fit.json');
  doc.structures = doc.structures.filter((s) => s.id === 'CdSe-WZ' || s.id === 'CdSe-ZB');
  for (const s of doc.structures)
    for (const [k, t] of Object.entries(s.properties ?? {})) {
      const ref = (t as { reference?: string; to?: string }).reference ?? (t as { to?: string }).to;
      if (ref && !['CdSe-WZ', 'CdSe-ZB'].includes(ref)) delete s.properties![k];
    }
  doc.potentials = doc.potentials.map((p) => (p.species.includes('Pb') ? { ...p, vary: [] } : p));
  doc.options = { ...doc.options, maxIterations, starts: 1 };
  return doc as unknown as Record<string, unknown>;
}

describe('fitDocument', () => {
  it('maxIterations overrides the document (0: the result is at the starting parameters)', async () => {
    const r = await fitDocument(smallFit(50), { maxIterations: 0 });
    expect(r.iterations).toBe(0);
    expect(r.varied.every((v) => v.final === v.initial)).toBe(true);
  }, 60_000);

  it('iterationLimit caps what the document asks for', async () => {
    const r = await fitDocument(smallFit(50), { iterationLimit: 1 });
    expect(r.iterations).toBe(1);
    expect(r.converged).toBe(false); // stopped by the limit, not by convergence
  }, 60_000);

  it('an md block is INVALID_DOCUMENT at /md, before the document is parsed', async () => {
    await expect(fitDocument({ md: { temperature: 300 } })).rejects.toMatchObject({ code: 'INVALID_DOCUMENT', path: '/md' });
  });
});
