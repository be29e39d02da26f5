/**
 * The properties result as `latticefit properties` prints it: JSON (the result itself), CSV (the
 * Table S8/S9 layout of `renderReport`) or Markdown (that layout, then per structure the full
 * relaxed-ion tensor, its eigenvalues, the moduli, the Birch-Murnaghan fit, the transition search
 * and the warnings). A pure function of the result type.
 */
import type { PropertiesCommandResult, StructureProperties } from '../workflows/results.js';
import { renderReport } from './index.js';

export type PropertiesFormat = 'json' | 'markdown' | 'csv';

/** Render a properties result as JSON, Markdown or CSV. */
export function renderPropertiesResult(result: PropertiesCommandResult, format: PropertiesFormat): string {
  if (format === 'json') return JSON.stringify(result, null, 2) + '\n';
  if (format === 'csv') return renderReport(result, 'csv').body;
  return renderReport(result, 'markdown').body + '\n' + result.structures.map(structureDetailMarkdown).join('\n');
}

const num = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : '—');

/** Per-structure detail: status, relaxed-ion tensor, stability, equation of state, transition, warnings. */
export function structureDetailMarkdown(s: StructureProperties): string {
  const out: string[] = [`## ${s.id}: ${s.label} (${s.spaceGroup.symbol}, No. ${s.spaceGroup.number})`, ''];
  if (s.error) out.push(`**Failed** (${s.error.code}): ${s.error.message}`, '');
  out.push(`Relaxation ${s.converged ? 'converged' : 'did not converge'} in ${s.iterations} iterations.`, '');
  if (s.elastic) {
    const v = ['xx', 'yy', 'zz', 'yz', 'xz', 'xy'];
    out.push('Relaxed-ion elastic constants C_ij (GPa; Voigt order xx yy zz yz xz xy, a along x, b in the xy-plane):', '');
    out.push(`| | ${v.join(' | ')} |`, `|---|${v.map(() => '---:').join('|')}|`);
    s.elastic.relaxed.forEach((row, i) => out.push(`| ${v[i]} | ${row.map((x) => num(x)).join(' | ')} |`));
    out.push('');
    out.push(`Eigenvalues of C (GPa): ${s.elastic.eigenvalues.map((x) => num(x)).join(', ')}: ${s.elastic.stable ? 'Born-stable' : '**not Born-stable**'}` +
      (s.elastic.internalStable ? '.' : '; an internal mode has negative curvature (saddle point in P1).'), '');
    const P = s.properties;
    out.push(`Bulk modulus (GPa): Voigt ${num(P.BVoigt!)}, Reuss ${num(P.BReuss!)}, Hill ${num(P.BHill!)}; shear modulus: Voigt ${num(P.GVoigt!)}, Reuss ${num(P.GReuss!)}, Hill ${num(P.GHill!)}.`, '');
  }
  if (s.eos) {
    const f = s.eos.fit, g = s.eos.pressureFit;
    const v = s.eos.points.map((p) => p.volume);
    out.push(
      `Birch-Murnaghan, ${s.eos.points.length} volumes from ${num(Math.min(...v), 2)} to ${num(Math.max(...v), 2)} Å³/f.u. (${s.eos.route} route): ` +
        `E-V fit V0 = ${num(f.V0, 3)} Å³/f.u., B0 = ${num(f.B0)} ± ${num(f.standardErrors.B0)} GPa, B0' = ${num(f.B0prime)}, E0 = ${num(f.E0, 4)} eV/f.u.; ` +
        `p-V fit B0 = ${num(g.B0)} ± ${num(g.standardErrors.B0)} GPa, B0' = ${num(g.B0prime)}.`,
      '',
    );
  }
  if (s.transition) out.push(`Transition ${s.transition.from} → ${s.transition.to}: ${s.transition.message}.`, '');
  if (s.warnings.length) {
    out.push('Warnings:', '');
    for (const w of s.warnings) out.push(`- ${w.message}`);
    out.push('');
  }
  return out.join('\n');
}
