/**
 * Structure → CIF data block.
 *
 * Without a space group the block is P1 with every atom of the cell. With one, the structure is
 * reduced to its asymmetric unit: atoms are taken in order and every image of a kept atom under
 * the group's operations (centring included) is ticked off; the block then carries the symmetry
 * operations in a `_space_group_symop_operation_xyz` loop, so that any CIF reader expands it back
 * to the same cell. The structure must be in the group's conventional setting (as job documents
 * are); an image that is not an atom of the same species is an INVALID_STRUCTURE.
 *
 * Numbers are written to 12 significant digits (round-off of the Cartesian round trip removed).
 */
import { DomainError } from '../errors.js';
import type { Structure } from '../crystal/structure.js';
import { getSpaceGroup, operationToXyz, type SpaceGroup } from '../crystal/spacegroups/index.js';
import { applyOperation, wrapFrac } from '../crystal/expand.js';
import { norm, vecMat, type Vec3 } from '../math/linalg.js';
import { num, sanitizeId } from './common.js';

export interface CifWriteOptions {
  /** Data block name (made safe for CIF). */
  id: string;
  /** Write the asymmetric unit of this group and its operations (default: P1, every atom). */
  spaceGroup?: string | number | SpaceGroup;
  /** Origin choice / axes for a symbol or number. */
  origin?: 1 | 2;
  rhombohedralAxes?: boolean;
  /** A line of text for the comment above the block. */
  title?: string;
  /** Distance (Å) within which an image is the same atom (default 1e-3). */
  tolerance?: number;
}

const clean = (x: number): string => num(Math.abs(x) < 1e-12 ? 0 : Number(x.toPrecision(12)));

export function writeCif(structure: Structure, options: CifWriteOptions): string {
  const sg =
    options.spaceGroup === undefined
      ? getSpaceGroup(1)
      : typeof options.spaceGroup === 'object'
        ? options.spaceGroup
        : getSpaceGroup(options.spaceGroup, { originChoice: options.origin, rhombohedralAxes: options.rhombohedralAxes });
  const tol = options.tolerance ?? 1e-3;
  const L = structure.lattice.matrix;
  const f = structure.fractional;
  const n = structure.numAtoms;
  const frac: Vec3[] = Array.from({ length: n }, (_, i) => [wrapFrac(f[3 * i]!), wrapFrac(f[3 * i + 1]!), wrapFrac(f[3 * i + 2]!)]);
  const same = (a: Vec3, b: Vec3): boolean => {
    const d: Vec3 = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    return norm(vecMat([d[0] - Math.round(d[0]), d[1] - Math.round(d[1]), d[2] - Math.round(d[2])], L)) < tol;
  };

  const kept: number[] = [];
  const done = new Array<boolean>(n).fill(false);
  for (let i = 0; i < n; i++) {
    if (done[i]) continue;
    kept.push(i);
    for (const op of sg.operations) {
      const img = applyOperation(op, frac[i]!);
      let j = -1;
      for (let k = 0; k < n; k++) if (structure.species[k] === structure.species[i] && same(img, frac[k]!)) j = k;
      if (j < 0)
        throw new DomainError(
          'INVALID_STRUCTURE',
          `atom ${i + 1} (${structure.species[i]}) maps under ${operationToXyz(op)} onto no ${structure.species[i]} atom: the structure does not have the symmetry of ${sg.symbol} (${sg.number}) in its standard setting`,
          { structure: options.id },
        );
      done[j] = true;
    }
  }

  const p = structure.lattice.parameters;
  const out: string[] = [];
  const id = sanitizeId(options.id, 'structure');
  out.push(`# CIF written by latticefit${options.title ? `: ${options.title.replace(/\n/g, ' ')}` : ''}`);
  out.push(`data_${id}`);
  out.push(`_audit_creation_method 'latticefit'`);
  out.push(`_cell_length_a ${clean(p.a)}`, `_cell_length_b ${clean(p.b)}`, `_cell_length_c ${clean(p.c)}`);
  out.push(`_cell_angle_alpha ${clean(p.alpha)}`, `_cell_angle_beta ${clean(p.beta)}`, `_cell_angle_gamma ${clean(p.gamma)}`);
  out.push(`_cell_volume ${clean(structure.lattice.volume)}`);
  out.push(`_space_group_IT_number ${sg.number}`);
  out.push(`_space_group_name_H-M_alt '${sg.symbol}${sg.originChoice === 2 ? ':2' : ''}${sg.rhombohedralAxes ? ':R' : ''}'`);
  out.push(`_symmetry_space_group_name_H-M '${sg.symbol}'`);
  out.push('loop_', '_space_group_symop_id', '_space_group_symop_operation_xyz');
  sg.operations.forEach((op, k) => out.push(`${k + 1} '${operationToXyz(op)}'`));
  out.push('loop_', '_atom_site_label', '_atom_site_type_symbol', '_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z', '_atom_site_occupancy');
  const count = new Map<string, number>();
  for (const i of kept) {
    const s = structure.species[i]!;
    const k = (count.get(s) ?? 0) + 1;
    count.set(s, k);
    out.push(`${s}${k} ${s} ${frac[i]!.map(clean).join(' ')} 1`);
  }
  return out.join('\n') + '\n';
}
