/** The defects report shows the ΔE(x) figure of its mixed phases: inline SVG in HTML, a link in Markdown. */
import { describe, it, expect } from 'vitest';
import { renderDefectsReportWithFigures } from '../src/workflows/figures.js';
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
