/**
 * A crystal face: Miller indices (h k l) of the user's cell, or for a hexagonal cell the
 * Miller-Bravais indices (h k i l) with i = −(h + k), which name the same plane as (h k l).
 *
 * The face only fixes a direction: the normal G = h b₁ + k b₂ + l b₃ (b the reciprocal rows).
 * `orient.ts` finds the shortest lattice-plane family with that normal in the primitive lattice,
 * so (100), (200) and the same plane in another setting of the cell are one face.
 */
import { DomainError } from '../errors.js';

export type Miller = readonly [number, number, number];

/** The face as the user wrote it, and its three-index form. */
export interface Face {
  /** As given: 3 or 4 integers. */
  readonly indices: readonly number[];
  /** (h, k, l) of the user's cell. */
  readonly miller: Miller;
}

/**
 * Read a face: three integers, or four with i = −(h + k) (Miller-Bravais). Throws
 * INVALID_DOCUMENT with `path` for anything else, or for (0 0 0).
 */
export function parseFace(indices: readonly number[], path = '/face'): Face {
  if (!Array.isArray(indices) || (indices.length !== 3 && indices.length !== 4) || !indices.every((x) => Number.isInteger(x))) {
    throw new DomainError('INVALID_DOCUMENT', `a face is three Miller indices [h, k, l] or four Miller-Bravais indices [h, k, i, l], integers (got ${JSON.stringify(indices)})`, { path });
  }
  let miller: Miller;
  if (indices.length === 4) {
    const [h, k, i, l] = indices as [number, number, number, number];
    if (i !== -(h + k)) {
      throw new DomainError('INVALID_DOCUMENT', `Miller-Bravais face ${formatFace(indices)}: the third index must be i = −(h + k) = ${-(h + k)} (got ${i})`, { path: `${path}/2` });
    }
    miller = [h, k, l];
  } else miller = [indices[0]!, indices[1]!, indices[2]!];
  if (miller.every((x) => x === 0)) throw new DomainError('INVALID_DOCUMENT', 'a face cannot be (0 0 0)', { path });
  return { indices: [...indices], miller };
}

/** `{10-10}` style: negative indices with a minus sign, braces for the family. */
export function formatFace(indices: readonly number[]): string {
  return `{${indices.map((x) => String(x)).join(indices.some((x) => Math.abs(x) > 9) ? ',' : '')}}`;
}
