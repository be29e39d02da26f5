/**
 * erfc / erfcx, the special function under the real-space Ewald sum. Reference values computed
 * with mpmath at 30 significant digits (mp.erfc, mp.exp).
 */
import { describe, it, expect } from 'vitest';
import { erfc, erfcx, erfcxReference } from '../src/potentials/ewald/erfc.js';
import { TOL } from './helpers/tolerances.js';

/** x, erfc(x), erfcx(x) = e^{x²} erfc(x) */
const VALUES: [number, number, number][] = [
  [0, 1.0, 1.0],
  [1e-3, 0.99887162120903076362, 0.99887262008115140863],
  [0.1, 0.8875370839817151078, 0.89645697996912664193],
  [0.5, 0.47950012218695346232, 0.61569034419292587487],
  [0.75, 0.2888443663464848684, 0.50693765029314480579],
  [1, 0.15729920705028513066, 0.42758357615580700441],
  [1.5, 0.033894853524689272933, 0.32158541645431750235],
  [2, 0.0046777349810472658379, 0.25539567631050574387],
  [2.75, 0.0001006219221196368369, 0.1936620962790686786],
  [3.5, 7.4309837234141274552e-7, 0.1552936556088942974],
  [4.5, 1.9661604415428874763e-10, 0.12248480427384141755],
  [6, 2.1519736712498913117e-17, 0.092776567800538354389],
  [7.9, 5.5727180569525767059e-29, 0.070857477367397134019],
  [9, 4.1370317465138102381e-37, 0.062307724037774684147],
];

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('erfc', () => {
  it('erfcx matches 30-digit values to round-off on [0, 9]', () => {
    for (const [x, , fx] of VALUES) expect(rel(erfcx(x), fx), `x = ${x}`).toBeLessThan(TOL.erfcRel);
  });

  it('erfc matches 30-digit values to round-off, including the far tail', () => {
    // erfc = erfcx · e^{−x²}: the relative error of e^{−x²} grows like 2x² ε
    for (const [x, f] of VALUES) expect(rel(erfc(x), f), `x = ${x}`).toBeLessThan(TOL.erfcRel * (1 + 2 * x * x));
  });

  it('erfc of a negative argument is 2 − erfc(|x|)', () => {
    expect(rel(erfc(-0.7), 1.677801193837418473)).toBeLessThan(TOL.erfcRel);
  });

  it('the Chebyshev tables agree with the series and continued fraction they were built from', () => {
    let worst = 0;
    for (let x = 0; x < 8; x += 0.01237) worst = Math.max(worst, rel(erfcx(x), erfcxReference(x)));
    expect(worst).toBeLessThan(TOL.erfcRel);
  });

  it('erfcx is continuous across the table intervals', () => {
    for (let i = 1; i < 32; i++) {
      const x = i * 0.25; // the two neighbouring doubles lie in different intervals
      expect(rel(erfcx(x * (1 - Number.EPSILON)), erfcx(x * (1 + Number.EPSILON))), `x = ${x}`).toBeLessThan(TOL.erfcRel);
    }
  });
});
