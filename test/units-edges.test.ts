/**
 * Units once: eV, Å and e inside the domain, GPa only at the edges. The domain's options and
 * results carry no pressure or stress in GPa (a grep over its sources), and the result edge
 * (workflows/results.ts `structurePropertiesReport`) gives the suite's pressures in GPa with every
 * key where it was, the JSON pipelines read.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GPA_PER_EV_PER_A3 } from '../src/units/index.js';
import { structurePropertiesReport } from '../src/workflows/results.js';
import type { StructureProperties } from '../src/properties/index.js';

const DOMAIN = ['crystal', 'potentials', 'relaxation', 'properties', 'fitting', 'surface', 'defects', 'dynamics'];

/**
 * GPa names the domain keeps, each for a value in the property vocabulary's unit (elastic
 * constants and moduli are GPa there): the pressure term added to C in GPa, and the bulk-modulus
 * guess of the equation of state's pressure route.
 */
const ALLOWED = new Set(['properties/elastic.ts:pressureGPa', 'properties/eos.ts:bulkModulusGuessGPa']);

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });

describe('the domain takes and gives pressures and stresses in eV/Å³', () => {
  it('no identifier in crystal … dynamics names a value in GPa (outside the vocabulary of elastic constants and moduli)', () => {
    const found: string[] = [];
    for (const d of DOMAIN) {
      for (const file of sources(join('src', d))) {
        const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/[^\n]*/g, '$1');
        for (const m of code.matchAll(/\b([A-Za-z_$][\w$]*GPa)\b/g)) {
          const name = `${file.slice('src/'.length)}:${m[1]}`;
          if (m[1] !== 'evPerA3ToGPa' && !ALLOWED.has(name)) found.push(name);
        }
      }
    }
    expect([...new Set(found)]).toEqual([]);
  });

  it('the check fires on a GPa option name', () => {
    const code = 'export interface X { stressToleranceGPa?: number }';
    expect([...code.matchAll(/\b([A-Za-z_$][\w$]*GPa)\b/g)].map((m) => m[1])).toEqual(['stressToleranceGPa']);
  });
});

describe('the result edge gives the suite pressures in GPa', () => {
  const p = 0.1; // eV/Å³
  const domain = {
    id: 'A',
    label: 'A',
    formula: 'AB',
    spaceGroup: { symbol: 'Fm-3m', number: 225 },
    converged: true,
    iterations: 3,
    warnings: [],
    properties: { transitionPressure: p * GPA_PER_EV_PER_A3 },
    eos: {
      route: 'volume',
      points: [{ volume: 10, energy: -1, pressure: p, converged: true }],
      fit: { E0: -1, V0: 10, B0: 50, B0prime: 4, rmsResidual: 0, standardErrors: { V0: 0, B0: 0, B0prime: 0 }, coefficients: [0, 0, 0, 0] },
      pressureFit: { E0: -1, V0: 10, B0: 50, B0prime: 4, rmsResidual: 0, standardErrors: { V0: 0, B0: 0, B0prime: 0 }, coefficients: [0, 0, 0, 0] },
      warnings: [],
    },
    transition: {
      from: 'A',
      to: 'B',
      pressure: p,
      enthalpy: -1,
      volumeA: 10,
      volumeB: 9,
      message: 'A → B at 16.0218 GPa',
      curve: [{ pressure: 0, enthalpyA: -1, enthalpyB: -0.9, volumeA: 10, volumeB: 9, intactA: true, intactB: true }, { pressure: p, enthalpyA: -1, enthalpyB: -1, volumeA: 10, volumeB: 9, intactA: true, intactB: true }],
      warnings: [],
    },
  } satisfies StructureProperties;
  const out = structurePropertiesReport(domain);

  it('the transition pressure, its curve and the equation-of-state points are in GPa', () => {
    expect(out.transition!.pressureGPa).toBe(p * GPA_PER_EV_PER_A3);
    expect(out.transition!.curve.map((c) => c.pressureGPa)).toEqual([0, p * GPA_PER_EV_PER_A3]);
    expect(out.eos!.points[0]!.pressureGPa).toBe(p * GPA_PER_EV_PER_A3);
    expect(JSON.stringify(out)).not.toMatch(/"pressure"/);
  });

  it('every key is where the suite put it, pressureGPa in the place of pressure', () => {
    const rename = (keys: string[]): string[] => keys.map((k) => (k === 'pressure' ? 'pressureGPa' : k));
    expect(Object.keys(out)).toEqual(Object.keys(domain));
    expect(Object.keys(out.transition!)).toEqual(rename(Object.keys(domain.transition)));
    expect(Object.keys(out.transition!.curve[0]!)).toEqual(rename(Object.keys(domain.transition.curve[0]!)));
    expect(Object.keys(out.eos!.points[0]!)).toEqual(rename(Object.keys(domain.eos.points[0]!)));
  });

  it('no transition pressure stays null', () => {
    expect(structurePropertiesReport({ ...domain, transition: { ...domain.transition, pressure: null } }).transition!.pressureGPa).toBeNull();
  });
});
