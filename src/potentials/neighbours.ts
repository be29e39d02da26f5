/**
 * Periodic neighbour search within a cut-off: every unordered pair (i, j, image) with
 * |r_j + T − r_i| < rc is visited exactly once (for i = j only the images T ≠ 0 with T > 0
 * lexicographically). The search bins atoms in fractional coordinates into m_k bins along each
 * axis (m_k = floor(w_k / rc), w_k the perpendicular width of the cell) and scans ±s_k bins,
 * s_k = ceil(rc m_k / w_k). For cells smaller than the cut-off this reduces to a loop over
 * lattice images; for large supercells it is a cell list with cost O(N · neighbours).
 */
import type { Structure } from '../crystal/structure.js';

/** Called with the indices, the vector d = r_j + T − r_i (Å) and r² = |d|². */
export type PairVisitor = (i: number, j: number, dx: number, dy: number, dz: number, r2: number) => void;

export function forEachPair(structure: Structure, cutoff: number, visit: PairVisitor): void {
  const n = structure.numAtoms;
  const L = structure.lattice.matrix;
  const w = structure.lattice.perpendicularWidths;
  const f = structure.fractional;
  // wrap into [0, 1) and rebuild Cartesian positions of the wrapped atoms
  const fw = new Float64Array(3 * n);
  for (let i = 0; i < 3 * n; i++) {
    let x = f[i]! - Math.floor(f[i]!);
    if (x >= 1) x -= 1;
    fw[i] = x;
  }
  const pos = new Float64Array(3 * n);
  for (let a = 0; a < n; a++)
    for (let k = 0; k < 3; k++) pos[3 * a + k] = fw[3 * a]! * L[0][k] + fw[3 * a + 1]! * L[1][k] + fw[3 * a + 2]! * L[2][k];

  const m = [0, 1, 2].map((k) => Math.max(1, Math.floor(w[k]! / cutoff))) as [number, number, number];
  const s = [0, 1, 2].map((k) => Math.ceil((cutoff * m[k]!) / w[k]!)) as [number, number, number];
  const nb = m[0] * m[1] * m[2];
  const bin = new Int32Array(n);
  const head = new Int32Array(nb).fill(-1);
  const next = new Int32Array(n).fill(-1);
  const bx = new Int32Array(n), by = new Int32Array(n), bz = new Int32Array(n);
  for (let a = 0; a < n; a++) {
    const ix = Math.min(m[0] - 1, Math.floor(fw[3 * a]! * m[0]));
    const iy = Math.min(m[1] - 1, Math.floor(fw[3 * a + 1]! * m[1]));
    const iz = Math.min(m[2] - 1, Math.floor(fw[3 * a + 2]! * m[2]));
    bx[a] = ix; by[a] = iy; bz[a] = iz;
    const b = (ix * m[1] + iy) * m[2] + iz;
    bin[a] = b;
    next[a] = head[b]!;
    head[b] = a;
  }
  const rc2 = cutoff * cutoff;
  for (let i = 0; i < n; i++) {
    const xi = pos[3 * i]!, yi = pos[3 * i + 1]!, zi = pos[3 * i + 2]!;
    for (let dxb = -s[0]; dxb <= s[0]; dxb++) {
      const ux = bx[i]! + dxb;
      const nx = Math.floor(ux / m[0]);
      const cx = ux - nx * m[0];
      for (let dyb = -s[1]; dyb <= s[1]; dyb++) {
        const uy = by[i]! + dyb;
        const ny = Math.floor(uy / m[1]);
        const cy = uy - ny * m[1];
        for (let dzb = -s[2]; dzb <= s[2]; dzb++) {
          const uz = bz[i]! + dzb;
          const nz = Math.floor(uz / m[2]);
          const cz = uz - nz * m[2];
          const tx = nx * L[0][0] + ny * L[1][0] + nz * L[2][0];
          const ty = nx * L[0][1] + ny * L[1][1] + nz * L[2][1];
          const tz = nx * L[0][2] + ny * L[1][2] + nz * L[2][2];
          const positiveShift = nx > 0 || (nx === 0 && (ny > 0 || (ny === 0 && nz > 0)));
          for (let j = head[(cx * m[1] + cy) * m[2] + cz]!; j !== -1; j = next[j]!) {
            if (j < i) continue;
            if (j === i && !positiveShift) continue;
            const dx = pos[3 * j]! + tx - xi;
            const dy = pos[3 * j + 1]! + ty - yi;
            const dz = pos[3 * j + 2]! + tz - zi;
            const r2 = dx * dx + dy * dy + dz * dz;
            if (r2 < rc2) visit(i, j, dx, dy, dz, r2);
          }
        }
      }
    }
  }
}
