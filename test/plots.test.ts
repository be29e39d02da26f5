/**
 * Plots: the data behind each figure (which observables, which points, the common tangent) and
 * the SVG the renderer writes (axis titles with units, no scripts or external references, text
 * escaped), on small hand-made results of two chemistries.
 */
import { describe, expect, it } from 'vitest';
import type { FitResult } from '../src/workflows/results.js';
import { convergencePlot, convergencePoints, energyVolumeData, figures, mixingPlot, parityPlot, parityPoints, relativeEnergyBars, residualBars } from '../src/plots/index.js';
import { GPA_PER_EV_PER_A3 } from '../src/units/index.js';
import { renderReportWithFigures } from '../src/workflows/figures.js';
import { reportCommand } from '../src/cli/commands/fit.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TIGHT = 1e-12;

/** A fit result of NaCl rock salt and CsCl-type NaCl with a transition between them. */
function nacl(): FitResult {
  const pT = 20;
  const H = -7.5; // eV/f.u. at p_T
  const [VA, VB] = [40, 35]; // Å³/f.u. at p_T
  const pv = (p: number, v: number) => (p / GPA_PER_EV_PER_A3) * v;
  return {
    kind: 'fit',
    name: 'NaCl <test>',
    document: {
      name: 'NaCl <test>',
      species: { Na: { charge: 1 }, Cl: { charge: -1 } },
      potentials: [],
      structures: [
        { id: 'RS', label: 'Rock salt', spaceGroup: 'Fm-3m', sites: [], properties: { a: { exp: 5.64, fit: 'exp' }, B: { exp: 24 }, C11: { dft: 50 }, transitionPressure: { to: 'CsCl', exp: 27 } } },
        { id: 'CsCl', label: '<b>CsCl</b>', spaceGroup: 'Pm-3m', sites: [], properties: { a: { dft: 3.3, dftNormalized: 3.25, fit: 'dftNormalized' }, relativeEnergy: { reference: 'RS', dft: 0.2, fit: 'dft' } } },
      ],
    } as unknown as FitResult['document'],
    targets: [
      { id: 'RS', properties: { a: { exp: 5.64, fit: 'exp' }, B: { exp: 24 }, C11: { dft: 50 }, transitionPressure: { to: 'CsCl', exp: 27 } }, extras: {} },
      { id: 'CsCl', properties: { a: { dft: 3.3, dftNormalized: 3.25, fit: 'dftNormalized' }, relativeEnergy: { reference: 'RS', dft: 0.2, fit: 'dft' } }, extras: {} },
    ],
    settings: { relax: true, pressureGPa: 0, bulkModulus: 'reuss', shearModulus: 'hill' },
    charges: { Na: 1, Cl: -1 },
    parameters: [],
    varied: [],
    objective: { initial: 100, final: 1, allObservables: 1 },
    converged: true,
    iterations: 3,
    stopReason: 'test',
    wallTimeMs: 1,
    residuals: [
      { structure: 'RS', property: 'a', target: 5.64, source: 'exp', calculated: 5.7, residual: 0.06, weight: 100, contribution: 0.36, percentError: 1.06, inFit: true },
      { structure: 'CsCl', property: 'a', target: 3.25, source: 'dftNormalized', calculated: 3.2, residual: -0.05, weight: 100, contribution: 0.25, percentError: -1.5, inFit: true },
      { structure: 'CsCl', property: 'relativeEnergy', target: 0.2, source: 'dft', calculated: 0.3, residual: 0.1, weight: 39, contribution: 0.39, percentError: 50, inFit: true },
    ],
    uncertainty: null,
    structures: [
      {
        id: 'RS', label: 'Rock salt', formula: 'NaCl', properties: { a: 5.7, B: 25, C11: 48, volume: 46.3, latticeEnergy: -8, transitionPressure: pT },
        transition: {
          from: 'RS', to: 'CsCl', pressureGPa: pT, enthalpy: H, volumeA: VA, volumeB: VB, lowPressurePhase: 'RS', highPressurePhase: 'CsCl',
          curve: [
            { pressureGPa: 0, enthalpyA: -8, enthalpyB: -7.7, volumeA: 46.3, volumeB: 38, intactA: true, intactB: true },
            { pressureGPa: 10, enthalpyA: -7.8, enthalpyB: -7.6, volumeA: 43, volumeB: 36.5, intactA: true, intactB: true },
            { pressureGPa: pT, enthalpyA: H, enthalpyB: H, volumeA: VA, volumeB: VB, intactA: true, intactB: false },
          ],
        },
      },
      { id: 'CsCl', label: '<b>CsCl</b>', formula: 'NaCl', properties: { a: 3.2, volume: 38, latticeEnergy: -7.7, relativeEnergy: 0.3 } },
      { id: 'orphan', formula: 'KBr', properties: {} },
    ],
    normalization: [],
    catastrophe: [],
    history: [
      { iteration: 0, objective: 100, accepted: true },
      { iteration: 1, objective: 100, accepted: false, note: 'RS: relaxation did not converge' },
      { iteration: 2, objective: 10, accepted: true },
      { iteration: 3, objective: 1, accepted: true },
      { iteration: 4, objective: 0, accepted: true },
    ],
    multiStart: { starts: 3, best: 1, objectives: [5, 1, 2], failed: 0 },
    warnings: [],
  };
  void pv;
}

describe('parity data', () => {
  it('takes fitted observables from the residual rows and the others from exp., else DFT', () => {
    const pts = parityPoints(nacl());
    const key = (s: string, p: string) => pts.find((x) => x.structure === s && x.property === p);
    expect(key('RS', 'a')).toMatchObject({ fitted: true, target: 5.64, calculated: 5.7, group: 'lengths', unit: 'Å' });
    expect(key('CsCl', 'a')).toMatchObject({ fitted: true, source: 'dftNormalized', target: 3.25 });
    expect(key('RS', 'B')).toMatchObject({ fitted: false, source: 'exp', target: 24, calculated: 25, group: 'moduli' });
    expect(key('RS', 'C11')).toMatchObject({ fitted: false, source: 'dft', group: 'elastic constants' });
    expect(key('RS', 'transitionPressure')).toMatchObject({ fitted: false, target: 27, calculated: 20, group: 'transition pressures' });
    expect(pts).toHaveLength(6);
  });

  it('draws report-only points open and fitted ones filled, with units on both axes', async () => {
    const svg = await parityPlot(nacl());
    expect(svg).toContain('target (Å)');
    expect(svg).toContain('calculated (GPa)');
    expect(svg).not.toMatch(/<script|href="http|<style/);
    expect(svg).not.toContain('<b>'); // labels are escaped
  });
});

describe('convergence', () => {
  it('leaves out objectives a log axis cannot show and marks each rejected step', async () => {
    const r = nacl();
    expect(convergencePoints(r.history).map((p) => p.iteration)).toEqual([0, 1, 2, 3]);
    const svg = await convergencePlot(r);
    const crosses = svg.match(/aria-label="iteration: 1;[^"]*rejected: RS: relaxation did not converge"/g) ?? [];
    expect(crosses).toHaveLength(1);
    expect(svg).toContain('best start');
  });
});

describe('residual contributions', () => {
  it('sorts by contribution and gives shares that add up to 100 %', () => {
    const bars = residualBars(nacl().residuals);
    expect(bars.map((b) => b.contribution)).toEqual([0.39, 0.36, 0.25]);
    expect(bars.reduce((s, b) => s + b.share, 0)).toBeCloseTo(100, 12);
  });
});

describe('polymorph energies', () => {
  it('puts E = H − pV of every intact relaxation on the E–V curve, relative to the lowest polymorph', () => {
    const [c] = energyVolumeData(nacl().structures);
    expect(c!.formula).toBe('NaCl');
    expect(c!.reference).toBe(-8);
    const cs = c!.points.filter((p) => p.structure === 'CsCl');
    // equilibrium and the 10 GPa point; the point at p_T is not intact
    expect(cs.map((p) => p.volume)).toEqual([36.5, 38]);
    expect(cs[0]!.energy).toBeCloseTo(-7.6 - (10 / GPA_PER_EV_PER_A3) * 36.5 + 8, 12);
  });

  it('draws a common tangent of slope −p_T that touches both phases at their volumes at p_T', () => {
    const [c] = energyVolumeData(nacl().structures);
    const [t] = c!.tangents;
    expect(t!.from).toBe('RS');
    expect(t!.low.volume).toBe(40);
    expect(t!.high.volume).toBe(35);
    const slope = (t!.low.energy - t!.high.energy) / (t!.low.volume - t!.high.volume);
    expect(Math.abs(slope + 20 / GPA_PER_EV_PER_A3)).toBeLessThan(TIGHT);
    expect(Math.abs(t!.low.energy - (-7.5 - (20 / GPA_PER_EV_PER_A3) * 40 + 8))).toBeLessThan(TIGHT);
  });

  it('pairs the fitted relative energy with the DFT one and marks which was the target', () => {
    expect(relativeEnergyBars(nacl())).toEqual([
      expect.objectContaining({ structure: 'CsCl', source: 'fit', energy: 0.3, fitted: false }),
      expect.objectContaining({ structure: 'CsCl', source: 'DFT', energy: 0.2, fitted: true }),
    ]);
  });
});

describe('figures of a result', () => {
  it('renders every figure a fit has data for, as standalone SVG', async () => {
    const fs = await figures(nacl());
    expect(fs.map((f) => f.name)).toEqual(['convergence', 'parity', 'residuals', 'polymorphs']);
    for (const f of fs) {
      expect(f.svg.startsWith('<svg')).toBe(true);
      expect(f.svg).toContain('xmlns="http://www.w3.org/2000/svg"');
      expect(f.svg).not.toMatch(/<script|<style|href="(?!#)/);
    }
    expect(fs.find((f) => f.name === 'polymorphs')!.svg).toContain('p_T = 20 GPa');
  });

  it('has no convergence or residual figure for a properties result', async () => {
    const r = { ...nacl(), kind: 'properties' } as unknown as Parameters<typeof figures>[0];
    expect((await figures(r)).map((f) => f.name)).toEqual(['parity', 'polymorphs']);
  });
});

describe('mixing (Figure S26)', () => {
  it('draws ΔE(x) for each phase with its spread', async () => {
    const rows = ['rock salt', 'zinc blende'].flatMap((phase, k) => [0, 0.5, 1].map((x) => ({ phase, x, formationEnergy: { mean: 0.1 * k + 0.2 * x * (1 - x), spread: 0.01 }, configurations: 4 })));
    const svg = await mixingPlot(rows, { energyUnit: 'eV per cation' });
    expect(svg).toContain('ΔE (eV per cation)');
    expect(svg).toContain('zinc blende');
    expect(svg).toContain('composition x');
  });
});

describe('reports with figures', () => {
  it('puts the figures inline into the HTML report and links them from the Markdown one', async () => {
    const html = (await renderReportWithFigures(nacl(), 'html')).body;
    expect(html.match(/<figure class="plot" id="figure-[a-z]+">\n<svg/g)).toHaveLength(4);
    const md = (await renderReportWithFigures(nacl(), 'markdown')).body;
    expect(md).toContain('![Parity](plots/parity.svg)');
    expect((await renderReportWithFigures(nacl(), 'latex')).body).not.toContain('<svg');
  });

  it('`latticefit report --out DIR` writes every report and the SVG files the Markdown links', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latticefit-plots-'));
    try {
      writeFileSync(join(dir, 'result.json'), JSON.stringify(nacl()));
      await reportCommand(join(dir, 'result.json'), 'markdown', join(dir, 'out'));
      expect(readdirSync(join(dir, 'out', 'plots')).sort()).toEqual(['convergence.svg', 'parity.svg', 'polymorphs.svg', 'residuals.svg']);
      const md = readFileSync(join(dir, 'out', 'report.md'), 'utf8');
      for (const link of md.matchAll(/\]\((plots\/[a-z]+\.svg)\)/g)) expect(readFileSync(join(dir, 'out', link[1]!), 'utf8').startsWith('<svg')).toBe(true);
      expect(readdirSync(join(dir, 'out'))).toEqual(expect.arrayContaining(['report.md', 'report.html', 'report.csv', 'report.tex']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
