/**
 * The polymorph figure of a real fit has E–V curves: after the fit, at the fitted parameters, the
 * structure table computes the equation of state of every structure (workflows/fit-job.ts), and
 * the figure draws those points as one curve per polymorph, around its equilibrium. With
 * `options.equationOfState: false` each polymorph without a transition search stays one point.
 *
 * The fit: CaO rock salt and CsCl-type CaO of fixtures/oxides-formal-fit.json (formal charges),
 * varying Ca-O A and rho for two iterations.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitCommand } from '../src/cli/commands/fit.js';
import { parseJob } from '../src/document/parse.js';
import { energyVolumeData } from '../src/plots/index.js';
import { renderReportWithFigures } from '../src/workflows/figures.js';
import { runFit } from '../src/workflows/fit-job.js';
import type { FitResult } from '../src/workflows/results.js';
import { fixture } from './helpers/jobs.js';

function caoDocument(equationOfState?: boolean) {
  const doc = fixture('oxides-formal-fit.json');
  doc.structures = doc.structures.filter((s) => s.id.startsWith('CaO-'));
  doc.potentials = doc.potentials.filter((p) => p.species.every((s) => s === 'Ca' || s === 'O'));
  for (const s of Object.keys(doc.species)) if (s !== 'Ca' && s !== 'O') delete doc.species[s];
  doc.options = { ...doc.options, maxIterations: 2, ...(equationOfState === undefined ? {} : { equationOfState }) };
  return doc;
}

/** The `d` of every E–V line of the figure (the first layer of each E–V panel), by polymorph. */
function evLines(svg: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /<g class="mark-line role-mark concat_\d+_concat_0_layer_0_marks"[^>]*><path aria-label="([^"]*)"[^>]*? d="([^"]*)"/g;
  for (const m of svg.matchAll(re)) out.set(/polymorph: ([^;]*)/.exec(m[1]!)![1]!, m[2]!);
  return out;
}
/** Segments of an SVG path (its commands after the first move). */
const segments = (d: string) => (d.match(/[LCQAHVSTZlcqahvstz]/g) ?? []).length;

describe('the polymorph figure of a fit', () => {
  let fit: FitResult;
  let html: string;
  beforeAll(async () => {
    fit = await runFit(parseJob(caoDocument()));
    html = (await renderReportWithFigures(fit, 'html')).body;
  }, 120_000);

  it('has equation-of-state points at the fitted parameters on both sides of each equilibrium volume', () => {
    const [cao] = energyVolumeData(fit.structures);
    expect(cao!.formula).toBe('CaO');
    for (const id of ['CaO-RS', 'CaO-CsCl']) {
      const v0 = fit.structures.find((s) => s.id === id)!.properties.volume!;
      const eos = cao!.points.filter((p) => p.structure === id && p.origin === 'equation of state');
      expect(eos.length, id).toBeGreaterThanOrEqual(5);
      expect(eos.some((p) => p.volume < v0 * 0.99) && eos.some((p) => p.volume > v0 * 1.01), id).toBe(true);
    }
  });

  it('draws each polymorph as a curve, not a point, in the HTML report', () => {
    const figure = /<figure[^>]*id="figure-polymorphs"[\s\S]*?<\/figure>/.exec(html)?.[0];
    expect(figure).toBeDefined();
    const lines = evLines(figure!);
    expect([...lines.keys()].sort()).toEqual(fit.structures.map((s) => s.label ?? s.id).sort());
    for (const [polymorph, d] of lines) expect(segments(d), polymorph).toBeGreaterThanOrEqual(4);
  });

  it('`latticefit fit JOB --out DIR` writes the figures the Markdown report links, the polymorphs with their curves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latticefit-fit-out-'));
    try {
      writeFileSync(join(dir, 'job.json'), JSON.stringify(caoDocument()));
      await fitCommand(join(dir, 'job.json'), { format: 'markdown', out: join(dir, 'out'), quiet: true });
      expect(readdirSync(join(dir, 'out', 'plots')).sort()).toEqual(['convergence.svg', 'parity.svg', 'polymorphs.svg', 'residuals.svg']);
      const md = readFileSync(join(dir, 'out', 'report.md'), 'utf8');
      const links = [...md.matchAll(/\]\((plots\/[a-z]+\.svg)\)/g)].map((m) => m[1]);
      expect(links.sort()).toEqual(['plots/convergence.svg', 'plots/parity.svg', 'plots/polymorphs.svg', 'plots/residuals.svg']);
      const lines = evLines(readFileSync(join(dir, 'out', 'plots', 'polymorphs.svg'), 'utf8'));
      expect(lines.size).toBe(2);
      for (const [polymorph, d] of lines) expect(segments(d), polymorph).toBeGreaterThanOrEqual(4);
      expect(readFileSync(join(dir, 'out', 'report.html'), 'utf8')).toContain('id="figure-polymorphs"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('without the equation of state each polymorph is a single point', async () => {
    const bare = await runFit(parseJob({ ...caoDocument(false), options: { ...caoDocument(false).options, maxIterations: 0 } }));
    const [cao] = energyVolumeData(bare.structures);
    expect(cao!.points.map((p) => p.origin)).toEqual(['equilibrium', 'equilibrium']);
  }, 60_000);
});
