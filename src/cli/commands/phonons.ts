/**
 * `latticefit phonons JOB.json [--mesh N1,N2,N3] [--temperature K] --format json|table`: harmonic
 * frequencies at Γ and on a q-mesh (THz and cm⁻¹, imaginary negative), stability, harmonic ξ.
 */
import { phononsResult } from '../../workflows/phonons.js';
import { DomainError } from '../../errors.js';
import { readJson } from '../io.js';

export const PHONONS_USAGE = `  latticefit phonons JOB.json [--mesh N1,N2,N3] [--temperature K] [--format json|table]
      harmonic phonons of every relaxed structure: Γ and q-mesh frequencies (THz, cm⁻¹; imaginary
      negative), dynamical stability with the imaginary modes named, harmonic ξ per species`;

export function phononsCommand(file: string, o: { format: string; mesh?: string; temperature?: string }): string {
  if (!['json', 'table'].includes(o.format)) throw new DomainError('INVALID_DOCUMENT', '--format must be json or table', { path: '/format' });
  let mesh: [number, number, number] | undefined;
  if (o.mesh !== undefined) {
    const m = o.mesh.split(',').map(Number);
    if (m.length !== 3 || !m.every((x) => Number.isInteger(x) && x >= 1)) throw new DomainError('INVALID_DOCUMENT', '--mesh is three whole numbers, e.g. 4,4,4', { path: '/mesh' });
    mesh = m as [number, number, number];
  }
  const T = o.temperature === undefined ? undefined : Number(o.temperature);
  if (T !== undefined && !(T >= 0)) throw new DomainError('INVALID_DOCUMENT', '--temperature must be a number ≥ 0 (K)', { path: '/temperature' });
  const r = phononsResult(readJson(file), { ...(mesh ? { mesh } : {}), ...(T !== undefined ? { temperature: T } : {}) });
  if (o.format === 'json') return JSON.stringify(r, null, 2) + '\n';
  const out: string[] = [];
  for (const s of r.structures) {
    out.push(`${s.id} (${s.label}, ${s.spaceGroup.symbol}), ${s.atoms} atoms in the cell`);
    if (s.error) { out.push(`  failed: ${s.error.code}: ${s.error.message}`, ''); continue; }
    const p = s.phonons!;
    out.push(`  Γ (THz): ${p.gamma.THz.map((x) => x.toFixed(3)).join(' ')}`);
    out.push(`  Γ (cm⁻¹): ${p.gamma.inverseCm.map((x) => x.toFixed(1)).join(' ')}`);
    out.push(`  mesh ${p.mesh.join('x')}: ${p.stable ? 'dynamically stable' : `UNSTABLE: ${p.imaginary.length} imaginary modes, e.g. ${p.imaginary.slice(0, 3).map((m) => `branch ${m.branch} at q = (${m.q.map((x) => +x.toFixed(3)).join(', ')}) ${m.frequencyTHz.toFixed(3)} THz`).join('; ')}`}`);
    if (s.harmonic) out.push(`  harmonic ξ at ${s.harmonic.temperature} K (Å, 3-D about the site): ${Object.entries(s.harmonic.xi).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`);
    out.push('');
  }
  return out.join('\n');
}
