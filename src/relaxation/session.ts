/**
 * Warm starts for repeated relaxations. The fitter relaxes every structure at every parameter set;
 * when the parameters move a little, the minimum moves a little, and starting from the last
 * relaxed geometry saves most of the Newton iterations.
 *
 * A `RelaxSession` is a plain cache the caller owns (one per fit, say): per structure id it keeps
 * the input the relaxation started from and the last converged geometry. `relax(id, ...)` starts
 * from that geometry when the input is the same (same species, cell and positions to 1e-9 Å);
 * otherwise, or when the warm start does not converge, it starts from the input. Results are
 * always relative to the input (deformation, warnings), so a warm and a cold relaxation report
 * the same thing. Only converged geometries are remembered. No clocks, no I/O: the same calls give
 * the same results.
 */
import type { Structure } from '../crystal/structure.js';
import type { EnergyModel } from '../potentials/model.js';
import { isDomainError } from '../errors.js';
import type { RelaxOptions, RelaxResult } from './types.js';
import { relaxFrom, resolveRelaxOptions } from './relax.js';

export interface SessionRelaxResult extends RelaxResult {
  /** True when the relaxation started from the remembered geometry. */
  warmStart: boolean;
}

interface Entry {
  input: Structure;
  relaxed: Structure;
}

function sameInput(a: Structure, b: Structure, tol = 1e-9): boolean {
  if (a === b) return true;
  if (a.numAtoms !== b.numAtoms || a.species.some((s, i) => s !== b.species[i])) return false;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (Math.abs(a.lattice.matrix[i]![j]! - b.lattice.matrix[i]![j]!) > tol) return false;
  for (let i = 0; i < a.positions.length; i++) if (Math.abs(a.positions[i]! - b.positions[i]!) > tol) return false;
  return true;
}

export class RelaxSession {
  private readonly entries = new Map<string, Entry>();

  /** Relax `structure` (known as `id`), warm-starting from the last converged geometry of `id`. */
  relax(id: string, model: EnergyModel, structure: Structure, options: RelaxOptions = {}): SessionRelaxResult {
    const o = resolveRelaxOptions({ structureId: id, ...options });
    const entry = this.entries.get(id);
    let result: RelaxResult | undefined;
    let warmStart = false;
    if (entry && sameInput(entry.input, structure)) {
      try {
        const warm = relaxFrom(model, structure, entry.relaxed, o);
        if (warm.converged) {
          result = warm;
          warmStart = true;
        }
      } catch (e) {
        // the remembered geometry no longer has the requested symmetry: start afresh
        if (!(isDomainError(e) && e.code === 'INVALID_STRUCTURE')) throw e;
      }
    }
    result ??= relaxFrom(model, structure, structure, o);
    if (result.converged) this.entries.set(id, { input: structure, relaxed: result.structure });
    else this.entries.delete(id);
    return { ...result, warmStart };
  }

  /** The last converged geometry of `id`, if any. */
  geometry(id: string): Structure | undefined {
    return this.entries.get(id)?.relaxed;
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
