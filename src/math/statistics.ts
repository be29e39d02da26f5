/**
 * Statistics of correlated time series: block averages.
 *
 * A time series x₁ … x_n from MD is correlated over its correlation time, so the naive standard
 * error σ/√n is too small. Split it into B contiguous blocks of equal length (the last samples that
 * do not fill a block are dropped), average each, and take the standard error of the B block means,
 *   error = √( Σ_b (x̄_b − x̄)² / (B (B − 1)) ),
 * which is right when each block is much longer than the correlation time (Flyvbjerg & Petersen,
 * J. Chem. Phys. 91 (1989) 461, doi:10.1063/1.457480).
 */
export interface BlockEstimate {
  value: number;
  error: number;
  blocks: number;
}

/** Mean and block-average standard error of `x` over `blocks` blocks (at least 2). */
export function blockAverage(x: ArrayLike<number>, blocks = 5): BlockEstimate {
  const means = blockMeans(x, blocks);
  return meanAndError(means);
}

/** The means of `blocks` contiguous blocks of equal length. */
export function blockMeans(x: ArrayLike<number>, blocks: number): number[] {
  const len = Math.floor(x.length / blocks);
  if (blocks < 2 || len < 1) throw new RangeError(`block averaging needs at least 2 blocks of 1 sample (got ${x.length} samples for ${blocks} blocks)`);
  const out: number[] = [];
  for (let b = 0; b < blocks; b++) {
    let s = 0;
    for (let i = b * len; i < (b + 1) * len; i++) s += x[i]!;
    out.push(s / len);
  }
  return out;
}

/** Mean of values taken as independent, with the standard error of the mean. */
export function meanAndError(values: readonly number[]): BlockEstimate {
  const B = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / B;
  const v = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (B * (B - 1));
  return { value: mean, error: Math.sqrt(v), blocks: B };
}
