/**
 * The neutral table model behind every report format: Table S7 (parameters), Tables S8/S9
 * (properties per compound, one section per polymorph, columns Exp. | Fit | DFT) and the
 * residual table. Renderers (markdown, html, csv, latex) only lay these out.
 *
 * Conventions of the S8/S9 layout (shared/README.md): values used in the fit in bold;
 * normalised DFT lattice parameters in square brackets after the raw DFT value; molecular-dynamics
 * values (300 K) in parentheses; units in the caption.
 */
import { PROPERTIES, type FitResult, type PropertiesResult, type StructureReport, type ParameterRow, type StructureTargets, type PropertyTarget } from '../workflows/results.js';
import { formatFace } from '../surface/face.js';

/** A cell: text pieces a renderer may style. */
export interface Cell {
  /** main value, already formatted */
  value?: string;
  bold?: boolean;
  /** shown in square brackets after the value (normalised DFT) */
  bracket?: string;
  /** the bracketed value is the one used in the fit */
  bracketBold?: boolean;
  /** shown in parentheses (MD at 300 K) */
  paren?: string;
}

export interface Row {
  label: string;
  unit: string;
  cells: Cell[];
}

export interface Section {
  heading: string;
  rows: Row[];
}

export interface Table {
  title: string;
  caption: string;
  columns: string[];
  sections: Section[];
}

const SUP: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** 2.64e9 → "2.640 × 10⁹" (plain text) ; exponent form kept for renderers that need it. */
export function sci(x: number, digits = 4): { mantissa: string; exponent: number; text: string } {
  if (x === 0) return { mantissa: '0', exponent: 0, text: '0' };
  let e = Math.floor(Math.log10(Math.abs(x)));
  let mantissa = (x / 10 ** e).toFixed(digits - 1);
  // rounding can carry into a new decade (9.9996 → "10.000"): take the next exponent
  if (Math.abs(Number(mantissa)) >= 10) {
    e += 1;
    mantissa = (x / 10 ** e).toFixed(digits - 1);
  }
  const text = e === 0 ? mantissa : `${mantissa} × 10${String(e).split('').map((c) => SUP[c]).join('')}`;
  return { mantissa, exponent: e, text };
}

/** Significant decimals per property class. */
export function formatValue(property: string, v: number | undefined): string | undefined {
  if (v === undefined || v === null || !Number.isFinite(v)) return undefined;
  const cls = PROPERTIES.get(property)?.weightClass;
  switch (cls) {
    case 'length':
      return v.toFixed(3);
    case 'angle':
      return v.toFixed(2);
    case 'internal':
      return v.toFixed(4);
    case 'volume':
      return v.toFixed(2);
    case 'elastic':
    case 'bulkModulus':
    case 'shearModulus':
      return v.toFixed(1);
    case 'energy':
      return v.toFixed(3);
    case 'pressure':
      return v.toFixed(1);
    default:
      return v.toPrecision(4);
  }
}

/** Table S7: the parameter set. */
/**
 * Table S7: the pair parameters, the charges in the caption. `fittedCharges`: the species whose
 * charges were fit parameters (marked "fitted"; the charges tied to them are the fitted values too).
 */
export function parameterTable(parameters: readonly ParameterRow[], charges: Record<string, number>, title = 'Table S7. Short-range pair parameters', fittedCharges: readonly string[] = []): Table {
  const charge = Object.entries(charges)
    .map(([s, q]) => `${s} ${q >= 0 ? '+' : ''}${q}${fittedCharges.includes(s) ? ' (fitted)' : ''}`)
    .join(', ');
  const chargeNote = fittedCharges.length ? ' Charges marked fitted were fit parameters; the others follow them by their ties (every structure neutral) or are fixed.' : '';
  const hasLJ = parameters.some((p) => p.type === 'lennard-jones');
  const columns = hasLJ ? ['Pair', 'Form', 'A', 'ρ (Å)', 'C / B (eV·Å⁶)', 'cut-off (Å)'] : ['Pair', 'A (eV)', 'ρ (Å)', 'C (eV·Å⁶)', 'cut-off (Å)'];
  const rows: Row[] = parameters.map((p) => {
    const cells: Cell[] = [];
    if (hasLJ) cells.push({ value: p.type });
    cells.push({ value: sci(p.A).text, bold: p.varied.includes('A') });
    cells.push({ value: p.rho !== undefined ? p.rho.toFixed(5) : '—', bold: p.varied.includes('rho') });
    const cb = p.type === 'buckingham' ? p.C : p.B;
    cells.push({ value: cb !== undefined ? cb.toFixed(3) : '—', bold: p.varied.includes(p.type === 'buckingham' ? 'C' : 'B') });
    cells.push({ value: p.cutoff.toFixed(1) });
    return { label: `${p.species[0]}–${p.species[1]}`, unit: '', cells };
  });
  return {
    title,
    caption: `Partial charges (e): ${charge}. Buckingham u(r) = A exp(−r/ρ) − C/r⁶${hasLJ ? '; Lennard-Jones u(r) = A/r¹² − B/r⁶ (A in eV·Å¹²)' : ''}; Coulomb by Ewald summation. Fitted parameters in bold. Pairs not listed interact by Coulomb only.${chargeNote}`,
    columns,
    sections: [{ heading: '', rows }],
  };
}

const ROW_ORDER = [
  'a', 'b', 'c', 'alpha', 'beta', 'gamma', 'u', 'volume',
  'C11', 'C12', 'C13', 'C14', 'C15', 'C16', 'C22', 'C23', 'C24', 'C25', 'C26', 'C33', 'C34', 'C35', 'C36', 'C44', 'C45', 'C46', 'C55', 'C56', 'C66',
  'B', 'BVoigt', 'BReuss', 'BHill', 'G', 'GVoigt', 'GReuss', 'GHill',
  'latticeEnergy', 'relativeEnergy', 'transitionPressure',
];

const ROW_LABEL: Record<string, string> = { latticeEnergy: 'E_latt', relativeEnergy: 'ΔE', transitionPressure: 'P_T', volume: 'V' };

/** Which rows a polymorph's section shows: every property with a target, plus lattice lengths, u and E_latt. */
function rowsFor(targets: Record<string, unknown>, calc: Record<string, number>): string[] {
  const show = new Set<string>(Object.keys(targets).filter((k) => PROPERTIES.has(k)));
  for (const k of ['a', 'u', 'latticeEnergy']) if (calc[k] !== undefined) show.add(k);
  // b and c only where the crystal system leaves them free (not equal to a)
  for (const k of ['b', 'c']) if (calc[k] !== undefined && Math.abs(calc[k]! - (calc.a ?? 0)) > 1e-6) show.add(k);
  return ROW_ORDER.filter((k) => show.has(k));
}

function targetsOf(result: FitResult | PropertiesResult, id: string): StructureTargets | undefined {
  return result.targets.find((s) => s.id === id);
}

/** Tables S8/S9: one table per compound, a section per polymorph. */
export function propertyTables(result: FitResult | PropertiesResult): Table[] {
  const byFormula = new Map<string, StructureReport[]>();
  for (const s of result.structures) {
    const f = s.formula ?? 'structures';
    byFormula.set(f, [...(byFormula.get(f) ?? []), s]);
  }
  const tables: Table[] = [];
  let n = 8;
  for (const [formula, group] of byFormula) {
    const sections: Section[] = group.map((s) => {
      const st = targetsOf(result, s.id);
      const targets: Record<string, PropertyTarget> = st?.properties ?? {};
      const extras = st?.extras ?? {};
      const heading = `${s.label ?? s.id}${s.spaceGroup ? ` (${s.spaceGroup.symbol}, No. ${s.spaceGroup.number})` : ''}${s.error ? ` — failed: ${s.error.message}` : ''}`;
      const mdRun = s.md as Record<string, { value: number } | undefined> | undefined;
      const rows: Row[] = rowsFor(targets, s.properties).map((k) => {
        const t = targets[k] ?? {};
        const info = PROPERTIES.get(k)!;
        const exp = formatValue(k, t.exp);
        const dft = formatValue(k, t.dft);
        const dftn = formatValue(k, t.dftNormalized);
        const calc = formatValue(k, s.properties[k]);
        // MD computed for this result (workflows/md.ts) wins over an MD value given in the document
        const md = formatValue(k, mdRun?.[k]?.value ?? t.md);
        let label = ROW_LABEL[k] ?? k;
        if (k === 'relativeEnergy' && t.reference) label += ` (vs ${t.reference})`;
        if (k === 'transitionPressure' && t.to) label += ` (→ ${t.to})`;
        return {
          label,
          unit: info.unit,
          cells: [
            { ...(exp ? { value: exp } : {}), bold: t.fit === 'exp' },
            { ...(calc ? { value: calc } : {}), ...(md ? { paren: md } : {}), bold: false },
            {
              ...(dft ? { value: dft } : {}),
              ...(dftn && ['a', 'b', 'c'].includes(k) ? { bracket: dftn, bracketBold: t.fit === 'dftNormalized' } : {}),
              // the raw DFT value is bold when it is the target, or when the target is a normalised
              // value that has no bracket to carry the bold (a non-lattice property)
              bold: t.fit === 'dft' || (t.fit === 'dftNormalized' && !(dftn && ['a', 'b', 'c'].includes(k))),
            },
          ],
        };
      });
      // report-only extras: RMSD at 300 K (MD) and surface energies
      // RMSD rows: the harmonic ξ in the Fit column, the MD ξ in parentheses beside it (computed, else the document's)
      const rmsd: Record<string, Record<string, number>> = { ...(extras.rmsdAt300K ?? {}) };
      const mdXi = (s.md as { xi?: Record<string, { value: number }> } | undefined)?.xi ?? {};
      const harmonicXi = (s.harmonic as { xi?: Record<string, number> } | undefined)?.xi ?? {};
      for (const sp of new Set([...Object.keys(mdXi), ...Object.keys(harmonicXi)])) rmsd[sp] ??= {};
      const tK = (s.md as { temperature?: { value: number } } | undefined)?.temperature ? ((s.harmonic as { temperature?: number } | undefined)?.temperature ?? 300) : 300;
      for (const [sp, v] of Object.entries(rmsd)) {
        const mdv = mdXi[sp]?.value ?? v.md;
        const h = harmonicXi[sp];
        rows.push({ label: `RMSD ${sp} (${tK} K)`, unit: 'Å', cells: [{ ...(v.exp !== undefined ? { value: v.exp.toFixed(2) } : {}) }, { ...(h !== undefined ? { value: h.toFixed(2) } : {}), ...(mdv !== undefined ? { paren: mdv.toFixed(2) } : {}) }, { ...(v.dft !== undefined ? { value: v.dft.toFixed(2) } : {}) }] });
      }
      const surf = extras.surfaceEnergy;
      for (const [hkl, v] of Object.entries(surf ?? {}))
        rows.push({ label: `γ ${hkl}`, unit: 'J/m²', cells: [{ ...(v.exp !== undefined ? { value: v.exp.toFixed(2) } : {}) }, { ...(v.fit !== undefined ? { value: v.fit.toFixed(2) } : {}), ...(v.md !== undefined ? { paren: v.md.toFixed(2) } : {}) }, { ...(v.dft !== undefined ? { value: v.dft.toFixed(2) } : {}) }] });
      // computed surface energies (structures[].surfaces[], src/workflows/surfaces.ts)
      for (const f of (s.surfaces ?? []) as { face: number[]; energy?: number; exp?: number; dft?: number }[])
        rows.push({ label: `γ ${formatFace(f.face)}`, unit: 'J/m²', cells: [{ ...(f.exp !== undefined ? { value: f.exp.toFixed(2) } : {}) }, { ...(f.energy !== undefined ? { value: f.energy.toFixed(2) } : {}) }, { ...(f.dft !== undefined ? { value: f.dft.toFixed(2) } : {}) }] });
      return { heading, rows };
    });
    tables.push({
      title: `Table S${n++}. Properties of ${formula} polymorphs`,
      caption:
        'Lengths in Å, elastic constants and bulk moduli in GPa, energies in eV per formula unit, P_T in GPa, RMSD in Å, surface energies in J/m². ' +
        'Values used in the fit in bold; normalised DFT lattice parameters in square brackets after the raw DFT value; MD values (300 K unless stated) in parentheses; RMSD (3-D, about the lattice site): harmonic value in the Fit column, MD value in parentheses. ' +
        'B is the ' + result.settings.bulkModulus.replace(/^./, (c) => c.toUpperCase()) + ' bulk modulus.',
      columns: ['Property', 'Exp.', 'Fit', 'DFT'],
      sections,
    });
  }
  return tables;
}

/** GULP-style "Final values of residuals". */
/**
 * The guard flags of a fit (fitting/guards.ts): one row per warning at the start (the guess on the
 * input geometries) and at the end (the fitted set on the relaxed structures), or undefined when
 * there is none. A table, so that every format shows it (CSV and LaTeX have no summary lines).
 */
export function guardTable(result: FitResult): Table | undefined {
  const g = result.guards;
  if (!g || g.start.length + g.end.length === 0) return undefined;
  const rows = (when: 'start' | 'end') =>
    g[when].map((w) => ({
      label: `⚠ ${w.kind}`,
      unit: '',
      cells: [{ value: w.parameter ?? w.pair ?? '' }, { value: w.structure ?? '' }, { value: w.value === undefined ? '' : w.value.toPrecision(4) }, { value: w.message }],
    }));
  return {
    title: 'Guards',
    caption: `Physical checks of the model at the start and the end of the fit${g.constraints.length ? `; held as constraints: ${g.constraints.join(', ')}` : ' (options.guards holds them as constraints)'}.`,
    columns: ['Guard', 'Parameter or pair', 'Structure', 'Value', 'What it means'],
    sections: [
      ...(g.start.length ? [{ heading: 'At the start', rows: rows('start') }] : []),
      ...(g.end.length ? [{ heading: 'At the end', rows: rows('end') }] : []),
    ],
  };
}

export function residualTable(result: FitResult): Table {
  const f = (x: number | null, d = 4): string => (x === null || !Number.isFinite(x) ? '—' : Math.abs(x) >= 1e5 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : x.toFixed(d));
  return {
    title: 'Final values of residuals',
    caption: `Objective F = Σ w (calculated − target)²: initial ${result.objective.initial.toPrecision(6)}, final ${result.objective.final.toPrecision(6)}.`,
    columns: ['Structure', 'Property', 'Target', 'Source', 'Calculated', 'Residual', 'Weight', 'Contribution', 'Error (%)'],
    sections: [
      {
        heading: '',
        rows: result.residuals.map((r) => ({
          label: r.inFit === false ? `${r.structure} (not fitted)` : r.structure,
          unit: '',
          cells: [
            { value: r.face ? `γ ${formatFace(r.face)} (J/m²)` : r.property },
            { value: f(r.target) },
            { value: r.source },
            { value: f(r.calculated) },
            { value: f(r.residual) },
            { value: f(r.weight, 3) },
            { value: f(r.contribution) },
            { value: r.percentError === null ? '—' : r.percentError.toFixed(2) },
          ],
        })),
      },
    ],
  };
}
