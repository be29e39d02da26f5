/**
 * The defects report: Table S10 with the finite-size series and its trend, the bound Frenkel pair
 * beside the separated one; the ΔE(x) figure of its mixed phases (inline SVG in HTML, a link in
 * Markdown).
 */
import { describe, it, expect } from 'vitest';
import { renderDefectsReportWithFigures } from '../src/workflows/figures.js';
import { defectsTable } from '../src/reports/defects.js';
import type { DefectsResult } from '../src/workflows/defects.js';

// a hand-made result of a generic A_x B_1-x C mixing series in two phases (no defects)
const row = (phase: string, x: number, mean: number) => ({
  phase, x, formationEnergy: { mean, spread: 0.01 }, configurations: 3, structure: phase, atoms: 32, converged: true,
  volumePerFormulaUnit: 40, energies: [mean, mean], cell: `${phase}-${x}`,
});
const result = {
  kind: 'defects', name: 'mixing <test>', charges: { A: 1, B: 1, C: -1 }, wallTimeMs: 1, references: [], defects: [], cells: [], warnings: [],
  mixing: [row('rs', 0.25, 0.05), row('rs', 0.5, 0.07), row('wz', 0.25, 0.03), row('wz', 0.5, 0.08)],
} as unknown as DefectsResult;

describe('defects report figures', () => {
  it('HTML carries the mixing plot inline as SVG with one curve per phase', async () => {
    const html = (await renderDefectsReportWithFigures(result, 'html')).body;
    expect(html).toMatch(/<figure class="plot"[^>]*>\s*<svg/);
    expect(html).toContain('Formation energies of the mixed phases');
  });

  it('Markdown links plots/mixing.svg and CSV has no figure', async () => {
    expect((await renderDefectsReportWithFigures(result, 'markdown')).body).toContain('](plots/mixing.svg)');
    expect((await renderDefectsReportWithFigures(result, 'csv')).body).not.toContain('svg');
  });

  it('a result without mixed phases has no figure', async () => {
    const html = (await renderDefectsReportWithFigures({ ...result, mixing: [] }, 'html')).body;
    expect(html).not.toContain('<figure');
  });
});

describe('Table S10', () => {
  // a hand-made result: a separated and a bound Frenkel pair of a generic MX crystal at three sizes
  const frenkel = (separation: 'separated' | 'bound', e: number[], distance: number, recombined = false) => ({
    kind: 'frenkel-cation', structure: 'MX', separation, atoms: 108, formationEnergy: e[0], unrelaxedEnergy: 5, converged: true, charge: 0,
    distance, iterations: 10, cells: [], ...(recombined ? { recombined: true } : {}),
    finiteSize: [108, 288, 450].map((atoms, i) => ({ atoms, formationEnergy: e[i], converged: i !== 1 })), finiteSizeTrend: e[2]! - e[1]!,
  });
  const r = {
    kind: 'defects', name: 'frenkel', charges: { M: 1, X: -1 }, wallTimeMs: 1, references: [], mixing: [], cells: [], warnings: [],
    defects: [frenkel('separated', [3.1, 3.3, 3.2], 11.7), frenkel('bound', [0.004, 0.003, 0.002], 2.6, true)],
  } as unknown as DefectsResult;

  it('has a column per supercell size and the trend between the two largest; the bound pair is its own row, marked when it recombined', () => {
    const t = defectsTable(r);
    expect(t.columns).toEqual(['Defect', 'Force field', 'DFT', 'Unrelaxed', 'Distance (Å)', '108 atoms', '288 atoms', '450 atoms', 'Trend']);
    const [sep, bound] = t.sections[0]!.rows;
    expect(sep!.label).toBe('Frenkel cation V_M + M_i (separated)');
    expect(bound!.label).toBe('Frenkel cation V_M + M_i (bound)');
    expect(sep!.cells.map((c) => c.value ?? '')).toEqual(['3.10', '', '5.00', '11.7', '3.10', '3.30*', '3.20', '-0.10']);
    expect(bound!.cells[0]!.value).toBe('0.00 (recombined)');
    expect(bound!.cells[3]!.value).toBe('2.6');
    expect(bound!.cells.at(-1)!.value).toBe('0.00'); // −0.001 rounds to zero: no sign
  });
});
