/**
 * Domain errors with stable codes.
 *
 * Every error the library raises on purpose is a `DomainError` with a `code` from `ERROR_CODES`
 * and, for bad input, the JSON path of the offending field (`/structures/2/cell/a`). The HTTP
 * layer maps codes to status codes in one catalogue (`src/http/errors.ts`); the README mirrors it.
 */

export const ERROR_CODES = {
  /** The job document does not match the schema (types, required fields). */
  INVALID_DOCUMENT: 'the job document does not match the schema',
  /** A species is used but not declared, or declared without a charge. */
  UNKNOWN_SPECIES: 'a species is used that the document does not declare',
  /** Space-group symbol or number not recognised. */
  UNKNOWN_SPACE_GROUP: 'the space group is not recognised',
  /** Cell lengths not positive, angles degenerate, or cell missing parameters. */
  INVALID_CELL: 'the cell is not a valid lattice',
  /** Two atoms closer than the overlap threshold. */
  OVERLAPPING_ATOMS: 'two atoms are closer than the overlap threshold',
  /** The cell's charges do not sum to zero. */
  NOT_CHARGE_NEUTRAL: 'the cell is not charge-neutral, or varying a charge (with its ties) would charge it',
  /** A structure is malformed in another way (no sites, bad coordinates). */
  INVALID_STRUCTURE: 'the structure is not valid',
  /** A property refers to a structure that does not exist or has another composition. */
  UNKNOWN_REFERENCE: 'a property refers to an unknown or incompatible structure',
  /** A property name, source or option is not in the vocabulary. */
  UNKNOWN_PROPERTY: 'a property name is not in the vocabulary',
  /** A potential or parameter name is not valid. */
  INVALID_POTENTIAL: 'a potential is not valid',
  /** A parameter name (e.g. `Cd-Se.A`) does not exist. */
  UNKNOWN_PARAMETER: 'a parameter name does not exist',
  /** A document exceeds a configured limit. */
  LIMIT_EXCEEDED: 'the document exceeds a limit',
  /** Relaxation did not converge. */
  RELAX_NOT_CONVERGED: 'the relaxation did not converge',
  /** A calculation produced a non-finite number or a singular matrix. */
  NUMERICAL_FAILURE: 'a calculation failed numerically',
  /** The operation was cancelled through its AbortSignal. */
  CANCELLED: 'the operation was cancelled',
  /** A file in another format (GULP, CIF) could not be read. */
  PARSE_ERROR: 'a file could not be parsed',
  /** A surface energy was asked of a polar face (Tasker type III) without accepting the dipole. */
  POLAR_SURFACE: 'the face is polar (Tasker type III)',
  /** A structure has an imaginary phonon mode where a harmonic quantity needs a minimum. */
  DYNAMICALLY_UNSTABLE: 'the structure has an imaginary phonon mode',
  /** An external engine (LAMMPS `lmp`) is not installed or could not be started. */
  ENGINE_UNAVAILABLE: 'an external simulation engine is not available',
  /** An external engine ran but failed or produced output that could not be read. */
  ENGINE_FAILED: 'an external simulation engine failed',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorDetail {
  /** JSON pointer of the offending field, e.g. `/structures/0/cell/a`. */
  path?: string;
  /** Which structure a calculation failure concerns. */
  structure?: string;
  [key: string]: unknown;
}

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly path: string | undefined;
  readonly detail: ErrorDetail;

  constructor(code: ErrorCode, message: string, detail: ErrorDetail = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.path = detail.path;
    this.detail = detail;
  }

  toJSON(): { code: ErrorCode; message: string; path?: string; detail: ErrorDetail } {
    return { code: this.code, message: this.message, ...(this.path ? { path: this.path } : {}), detail: this.detail };
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;

/** Rethrow a cancellation (CANCELLED): the one error a calculation that reports failures as results must not swallow. */
export function rethrowIfCancelled(e: unknown): void {
  if (isDomainError(e) && e.code === 'CANCELLED') throw e;
}

/** Rethrow anything that is not a calculation's own failure: a cancellation, or not a DomainError at all (a bug). */
export function rethrowUnlessFailure(e: unknown): asserts e is DomainError {
  if (!isDomainError(e) || e.code === 'CANCELLED') throw e;
}

/** Throw `CANCELLED` if the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DomainError('CANCELLED', 'cancelled');
}
