/**
 * `latticefit properties JOB.json [--format json|markdown|csv]`: relax every structure of the job
 * at the document's parameters and report its properties (GULP's `opti conp prop`), the relative
 * energies and the transition pressures the document asks for.
 *
 * JSON is the full result: the `PropertiesResult` that `latticefit report` renders (top-level
 * `structures`, one entry per structure with its named properties, elastic tensors, equation of
 * state and transition search). Markdown and CSV are the Table S8/S9 layout of `reports/`
 * (columns Exp. | Fit | DFT, one section per polymorph); markdown adds, per structure, the full
 * relaxed-ion tensor, its eigenvalues, the Birch-Murnaghan fit and the warnings.
 */
import { propertiesResult, type PropertiesOptions } from '../../workflows/properties-job.js';
import { type PropertiesFormat, renderPropertiesResult } from '../../reports/properties.js';
import { DomainError } from '../../errors.js';
import { readJson } from '../io.js';

export type { PropertiesFormat };
export const PROPERTIES_FORMATS: readonly PropertiesFormat[] = ['json', 'markdown', 'csv'];

export function checkPropertiesFormat(format: string): PropertiesFormat {
  if (!(PROPERTIES_FORMATS as readonly string[]).includes(format)) throw new DomainError('INVALID_DOCUMENT', `--format must be one of ${PROPERTIES_FORMATS.join(', ')}`, { path: '/format' });
  return format as PropertiesFormat;
}

/** `latticefit properties JOB.json --format F`. */
export async function propertiesCommand(file: string, format: string, opts: PropertiesOptions = {}): Promise<string> {
  const f = checkPropertiesFormat(format);
  return renderPropertiesResult(await propertiesResult(readJson(file), opts), f);
}
