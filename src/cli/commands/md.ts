/**
 * `latticefit md JOB.json [--temperature K] [--pressure GPa] [--structure ID] [--format json|markdown]`:
 * LAMMPS MD of the document's structures (its `md` block, the flags overriding it), beside the
 * harmonic ξ at the same temperature. JSON prints `structures[].md` and `structures[].harmonic`.
 */
import { mdResult, type MdBlock } from '../../workflows/md.js';
import { renderReport } from '../../reports/index.js';
import { DomainError } from '../../errors.js';
import { readJson } from '../io.js';

export const MD_USAGE = `  latticefit md JOB.json [--temperature K] [--pressure GPa] [--structure ID]
                [--production STEPS] [--equilibration STEPS] [--format json|markdown] [--quiet]
      LAMMPS molecular dynamics (NPT, Nosé-Hoover) at T and P: mean a, b, c, volume, enthalpy and
      rms displacements per species with block-average errors, beside the harmonic ξ`;

export async function mdCommand(file: string, o: { format: string; overrides: Partial<MdBlock>; quiet: boolean }): Promise<string> {
  if (!['json', 'markdown'].includes(o.format)) throw new DomainError('INVALID_DOCUMENT', '--format must be json or markdown', { path: '/format' });
  let last = -1;
  const result = await mdResult(readJson(file), {
    overrides: o.overrides,
    ...(o.quiet ? {} : {
      onProgress: (p) => {
        const pct = Math.floor((100 * p.step) / p.totalSteps);
        if (pct >= last + 10 || pct === 100) {
          last = pct;
          process.stderr.write(`md ${p.structure} (${p.index + 1}/${p.total}) ${p.stage} step ${p.step}/${p.totalSteps} T = ${p.temperature.toFixed(1)} K\n`);
          if (pct === 100) last = -1;
        }
      },
    }),
  });
  if (o.format === 'json') return JSON.stringify(result, null, 2) + '\n';
  return renderReport(result, 'markdown').body + '\n';
}
