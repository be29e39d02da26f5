/**
 * Screenshots for the documentation (docs/images/*.png): the web page while a fit runs and when
 * it is done, the message of a refused API key, and each figure kind, rendered by headless Chromium.
 *
 *   node --import tsx scripts/screenshots.ts            (needs Chromium: LATTICEFIT_CHROMIUM or /usr/bin/chromium)
 *
 * The figures come from the reference fit (fixtures/pbcdse-fit.json) run by the service; the
 * mixing figure (Figure S26) from illustrative made-up rows, as the caption in docs/plots.md says.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { loadConfig } from '../src/config.js';
import { createService } from '../src/service.js';
import { figures, mixingPlot } from '../src/plots/index.js';
import type { FitResult } from '../src/workflows/results.js';

declare const document: any;

const OUT = new URL('../docs/images/', import.meta.url).pathname;
mkdirSync(OUT, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'latticefit-shots-'));
const service = await createService(loadConfig({ PORT: '0', HOST: '127.0.0.1', LATTICEFIT_DATA_DIR: dir, LATTICEFIT_WORKERS: '1', LATTICEFIT_PROGRESS_THROTTLE_MS: '100', LOG_LEVEL: 'silent' }));
const base = await service.listen();
const browser = await puppeteer.launch({ executablePath: process.env.LATTICEFIT_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--headless=new'] });
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(base, { waitUntil: 'networkidle0' });
  const doc = readFileSync(new URL('../fixtures/pbcdse-fit.json', import.meta.url), 'utf8');
  // a validation error first, for the picture of it
  const bad = JSON.parse(doc);
  bad.structures[2].spaceGroup = 'Q99';
  const setDoc = (t: string) => page.$eval('#document', (el, v) => { (el as unknown as { value: string }).value = v; el.dispatchEvent(new Event('input')); }, t);
  await setDoc(JSON.stringify(bad, null, 2));
  await page.click('#submit');
  await page.waitForSelector('#error:not([hidden])');
  await page.$eval('#error', (el) => el.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: join(OUT, 'web-validation-error.png') });
  await setDoc(doc);
  await page.click('#submit');
  await page.waitForFunction(() => document.querySelectorAll('#live-plot circle').length > 8, { timeout: 120_000 });
  await page.$eval('#watch-section', (el) => el.scrollIntoView());
  await page.screenshot({ path: join(OUT, 'web-running.png') });
  await page.waitForFunction(() => document.getElementById('job-status').textContent === 'succeeded', { timeout: 300_000 });
  await page.waitForSelector('#report table caption');
  await page.$eval('#result-section', (el) => el.scrollIntoView());
  await page.screenshot({ path: join(OUT, 'web-result.png') });
  await page.$eval('header', (el) => el.scrollIntoView());
  await page.screenshot({ path: join(OUT, 'web-page.png'), fullPage: false });

  // each figure on its own, from the result the service computed
  const id = await page.$eval('#job-id', (el) => el.textContent);
  const result = (await (await fetch(`${base}/v1/fits/${id}`)).json()).result as FitResult;
  const rows = ['rock salt', 'zinc blende'].flatMap((phase, k) =>
    [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1].map((x) => ({ phase, x, formationEnergy: { mean: 0.3 * k * x + (0.12 + 0.08 * k) * x * (1 - x), spread: x === 0 || x === 1 ? 0 : 0.015 }, configurations: x === 0 || x === 1 ? 1 : 20 })),
  );
  const svgs = [...(await figures(result)).map((f) => [f.name, f.svg] as const), ['mixing', await mixingPlot(rows, { title: 'Energy of mixing (illustrative data)' })] as const];
  const shot = await browser.newPage();
  for (const [name, svg] of svgs) {
    await shot.setViewport({ width: 400, height: 300, deviceScaleFactor: 2 });
    await shot.setContent(`<!DOCTYPE html><html><body style="margin:0;display:inline-block">${svg}</body></html>`);
    const el = await shot.$('svg');
    await el!.screenshot({ path: join(OUT, `plot-${name}.png`) as `${string}.png` });
  }

  // a server with API keys: the page says when it refuses a key
  const keyed = await createService(loadConfig({ PORT: '0', HOST: '127.0.0.1', LATTICEFIT_DATA_DIR: join(dir, 'keyed'), LATTICEFIT_WORKERS: '1', LOG_LEVEL: 'silent', LATTICEFIT_API_KEYS: 'screenshot-key-0123456789abcdef' }));
  try {
    const k = await browser.newPage();
    await k.setViewport({ width: 1280, height: 300 });
    await k.goto(await keyed.listen(), { waitUntil: 'networkidle0' });
    await k.type('#api-key', 'a-wrong-key-0000000000');
    await k.keyboard.press('Enter');
    await k.waitForFunction(() => /refused/.test(document.getElementById('key-status').textContent));
    await k.screenshot({ path: join(OUT, 'web-api-key.png'), clip: { x: 0, y: 0, width: 1280, height: 150 } });
  } finally {
    await keyed.shutdown('screenshots done');
  }
  console.log(`wrote ${svgs.length + 5} images in ${OUT}`);
} finally {
  await browser.close();
  await service.shutdown('screenshots done');
  rmSync(dir, { recursive: true, force: true });
}
