/**
 * The web page in a real browser: headless Chromium driven by puppeteer-core against the real
 * service (SQLite store in a temporary directory, worker threads, fastify on a free loopback
 * port, the real tasks). Submit the reference fit (capped at a few iterations), see its progress
 * (the live plot marks the rejected steps its history has), open the report (tables and inline
 * figures), download every report, parameter, structure and figure format, cancel a long fit,
 * list, filter and page the jobs, translate a pasted and an uploaded GULP input, and see a
 * validation error at the field it points to. A second server with API keys: the page says when
 * a key is needed or refused (401), keeps the key in sessionStorage only, and submits, watches,
 * reads and downloads with it. Every page load is checked for CSP violations and script errors.
 *
 * Needs Chromium: `LATTICEFIT_CHROMIUM` or /usr/bin/chromium (Debian's `chromium` package);
 * skipped with a note otherwise.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createService, type Service } from '../src/service.js';
import { until } from './helpers/http-harness.js';

/** The page's document, inside the functions puppeteer runs in the browser (this project compiles without the DOM library). */
declare const document: any;

const CHROMIUM = process.env.LATTICEFIT_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`web-browser tests skipped: no Chromium at ${CHROMIUM} (install Debian's chromium or set LATTICEFIT_CHROMIUM)`);

const example = (): Record<string, any> => JSON.parse(readFileSync(new URL('../fixtures/pbcdse-fit.json', import.meta.url), 'utf8'));

describe.skipIf(!hasChromium)('the web page in headless Chromium', () => {
  let dir: string;
  let downloads: string;
  let service: Service;
  let base: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latticefit-web-'));
    downloads = mkdtempSync(join(tmpdir(), 'latticefit-downloads-'));
    service = await createService(
      loadConfig({ PORT: '0', HOST: '127.0.0.1', LATTICEFIT_DATA_DIR: dir, LATTICEFIT_WORKERS: '1', LATTICEFIT_PROGRESS_THROTTLE_MS: '20', LOG_LEVEL: 'silent', LATTICEFIT_RATE_LIMIT: '0' }),
    );
    base = await service.listen();
    browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] });
    page = await browser.newPage();
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(String(e)));
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await page.setViewport({ width: 1200, height: 900 });
    await page.goto(base, { waitUntil: 'networkidle0' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await service?.shutdown('test done');
    rmSync(dir, { recursive: true, force: true });
    rmSync(downloads, { recursive: true, force: true });
  });

  const setDocument = async (text: string) => {
    await page.$eval('#document', (el, t) => {
      (el as unknown as { value: string }).value = t;
      el.dispatchEvent(new Event('input'));
    }, text);
  };
  const text = (sel: string) => page.$eval(sel, (el) => el.textContent ?? '');

  it('loads under its Content-Security-Policy without errors', async () => {
    expect(await page.title()).toBe('latticefit');
    expect(problems).toEqual([]);
  });

  it('shows a validation error next to the line of the field it points to', async () => {
    const doc = example();
    doc.structures[2].spaceGroup = 'Q99';
    const json = JSON.stringify(doc, null, 2);
    await setDocument(json);
    await page.click('#submit');
    await page.waitForSelector('#error:not([hidden])');
    const line = json.split('\n').findIndex((l) => l.includes('"Q99"')) + 1;
    expect(await text('#error-code')).toBe('UNKNOWN_SPACE_GROUP');
    const where = await text('#error-location');
    expect(where).toContain('/structures/2/spaceGroup');
    expect(where).toContain(`line ${line}`);
    expect(where).toContain('"spaceGroup": "Q99"');
    expect(await text('#gutter .bad')).toBe(String(line));
    // the browser logs the refused request itself; nothing else may have gone wrong
    expect(problems.filter((p) => !p.includes('status of 422'))).toEqual([]);
    problems.length = 0;
  });

  it('translates a GULP input into a job document and lists what it could not translate', async () => {
    const gin = readFileSync(new URL('../fixtures/io/cdse-pbse-relax-fit.gin', import.meta.url), 'utf8');
    await setDocument(gin);
    await page.click('#import-gulp');
    await page.waitForFunction(() => document.getElementById('document').value.trimStart().startsWith('{'));
    const doc = JSON.parse(await page.$eval('#document', (el) => (el as unknown as { value: string }).value));
    expect(doc.structures.length).toBeGreaterThan(0);
    const res = await fetch(`${base}/v1/imports/gulp`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: gin });
    const { untranslated } = (await res.json()) as { untranslated: unknown[] };
    expect(await page.$$eval('#untranslated-list li', (li) => li.length)).toBe(untranslated.length);
    expect(await page.$eval('#untranslated', (el) => (el as unknown as { hidden: boolean }).hidden)).toBe(untranslated.length === 0);
  });

  it('translates an uploaded GULP file and lists what it could not translate', async () => {
    await setDocument('');
    const path = fileURLToPath(new URL('../fixtures/gulp-examples/mgo-supercell.gin', import.meta.url));
    const res = await fetch(`${base}/v1/imports/gulp`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: readFileSync(path, 'utf8') });
    const { untranslated } = (await res.json()) as { untranslated: { line: number }[] };
    expect(untranslated.length, 'the file has a line the import cannot translate (the test is not vacuous)').toBeGreaterThan(0);
    const input = await page.$('#file');
    await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(path);
    await page.waitForFunction(() => document.getElementById('document').value.trimStart().startsWith('{'));
    const doc = JSON.parse(await page.$eval('#document', (el) => (el as unknown as { value: string }).value));
    expect(Object.keys(doc.species)).toEqual(expect.arrayContaining(['Mg', 'O']));
    const items = await page.$$eval('#untranslated-list li', (li) => li.map((l) => l.textContent ?? ''));
    expect(items.length).toBe(untranslated.length);
    for (const [k, u] of untranslated.entries()) expect(items[k]).toContain(`line ${u.line}:`);
    expect(await page.$eval('#untranslated', (el) => (el as unknown as { hidden: boolean }).hidden)).toBe(false);
  });

  it('shows where a document is not valid JSON: its line and column', async () => {
    await setDocument('{\n  "name": "x",\n  "species": {,}\n}');
    await page.click('#submit');
    await page.waitForSelector('#error:not([hidden])');
    expect(await text('#error-code')).toBe('INVALID_JSON');
    expect(await text('#error-location')).toBe('at line 3, column 15: "species": {,}');
    expect(await text('#gutter .bad')).toBe('3');
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    problems.length = 0;
  });

  it('shows where a GULP input could not be read: the line of its message', async () => {
    const gin = 'opti conp\ntitle\nbad cell\nend\ncell\n5.64 5.64\nfrac\nNa core 0 0 0\n';
    await setDocument(gin);
    await page.click('#import-gulp');
    await page.waitForSelector('#error:not([hidden])');
    expect(await text('#error-code')).toBe('PARSE_ERROR');
    expect(await text('#error-detail')).toMatch(/^line 6: cell/);
    expect(await text('#error-location')).toBe('at line 6 of the GULP input: 5.64 5.64');
    expect(await text('#gutter .bad')).toBe('6');
    expect(problems.filter((p) => !p.includes('status of 422'))).toEqual([]);
    problems.length = 0;
  });

  it('runs the reference fit: progress, the report with its figures, downloads', async () => {
    const doc = example();
    doc.options = { ...doc.options, maxIterations: 3 };
    await setDocument(JSON.stringify(doc, null, 2));
    await page.click('#submit');
    await page.waitForFunction(() => /iteration \d+/.test(document.getElementById('progress')!.textContent ?? ''), { timeout: 30_000 });
    expect(await page.$$eval('#live-plot circle', (c) => c.length)).toBeGreaterThan(0);
    await page.waitForFunction(() => document.getElementById('job-status')!.textContent === 'succeeded', { timeout: 45_000 });
    await page.waitForSelector('#report table caption', { timeout: 15_000 });
    const captions = await page.$$eval('#report caption', (cs) => cs.map((c) => c.textContent ?? ''));
    expect(captions.some((c) => c.startsWith('Table S7.'))).toBe(true);
    expect(captions.some((c) => c.startsWith('Table S8.'))).toBe(true);
    expect(captions.some((c) => c.startsWith('Table S9.'))).toBe(true);
    expect(captions.some((c) => c.startsWith('Final values of residuals'))).toBe(true);
    for (const f of ['convergence', 'parity', 'residuals', 'polymorphs']) expect(await page.$(`#report #figure-${f} svg`)).not.toBeNull();

    // the live plot marked the rejected steps the fit's history has (those after the stream opened)
    const id = await text('#job-id');
    const { result } = (await (await fetch(`${base}/v1/fits/${id}`)).json()) as { result: { history: { iteration: number; accepted: boolean }[] } };
    const rejected = result.history.filter((h) => !h.accepted).map((h) => h.iteration);
    expect(rejected.length, 'the reference fit has rejected steps in its first iterations').toBeGreaterThan(0);
    const crosses = await page.$$eval('#live-plot path.rejected', (ps) => ps.map((p) => Number(p.getAttribute('data-iteration'))));
    const dots = await page.$$eval('#live-plot circle.accepted', (cs) => cs.map((c) => Number(c.getAttribute('data-iteration'))));
    const firstSeen = Math.min(...crosses, ...dots);
    expect(crosses.length).toBeGreaterThan(0);
    expect(crosses).toEqual(rejected.filter((it) => it >= firstSeen));
    expect(dots.some((it) => rejected.includes(it) && it > 0)).toBe(false);

    await page.click('button[data-download="parameters-gulp"]');
    const file = await until(() => readdirSync(downloads).find((f) => f.endsWith('-parameters.gin')), 10_000, 50);
    const gulp = await until(() => {
      const t = readFileSync(join(downloads, file), 'utf8');
      return t.includes('buckingham') ? t : undefined;
    }, 5_000, 50);
    expect(gulp).toContain('Cd');
    await page.click('button[data-download="plot-parity"]');
    const svg = await until(() => readdirSync(downloads).find((f) => f.endsWith('-parity.svg')), 10_000, 50);
    expect(readFileSync(join(downloads, svg), 'utf8')).toContain('<svg');

    // every download: each report format, parameter format, structure format and figure
    const buttons = await page.$$eval('#downloads button', (bs) => bs.map((b) => b.getAttribute('data-download')!));
    for (const f of ['report-markdown', 'report-html', 'report-csv', 'report-latex', 'report-json', 'parameters-json', 'parameters-gulp', 'parameters-lammps', 'structures-cif', 'structures-lammps', 'structures-json', 'plot-convergence', 'plot-parity', 'plot-residuals', 'plot-polymorphs']) expect(buttons).toContain(f);
    // one button at a time, as a person clicks them: the browser's own guard against a burst of
    // automatic downloads is not what is tested here
    const expected: string[] = [];
    for (const b of buttons) {
      const [what, format] = b.split('-') as [string, string];
      const name = what === 'plot' ? `${id}-${format}.svg` : `${id}-${what}.${({ markdown: 'md', html: 'html', csv: 'csv', latex: 'tex', json: 'json', gulp: 'gin', lammps: 'lmp', cif: 'cif' } as Record<string, string>)[format]}`;
      expected.push(name);
      if (readdirSync(downloads).includes(name)) rmSync(join(downloads, name));
      await page.click(`button[data-download="${b}"]`);
      await until(() => readdirSync(downloads).includes(name) || undefined, 10_000, 50).catch((e) => { throw new Error(`${e.message}: ${b} did not download ${name}`); });
    }
    for (const f of expected) expect(readFileSync(join(downloads, f), 'utf8').length, f).toBeGreaterThan(0);
    expect(readFileSync(join(downloads, `${id}-report.tex`), 'utf8')).toContain('\\begin{table');
    expect(problems).toEqual([]);
  }, 60_000);

  it('evaluates a properties document of another chemistry and shows its report and figures', async () => {
    const doc = JSON.parse(readFileSync(new URL('../fixtures/oxides-formal-fit.json', import.meta.url), 'utf8'));
    doc.name = 'CaO properties';
    doc.structures = doc.structures.filter((s: { id: string }) => s.id.startsWith('CaO-'));
    await page.select('#kind', 'properties');
    const before = await text('#job-id');
    try {
      await setDocument(JSON.stringify(doc, null, 2));
      await page.click('#submit');
      await page.waitForFunction((id) => document.getElementById('job-id').textContent !== id, {}, before);
      await page.waitForFunction(() => document.getElementById('job-status').textContent === 'succeeded', { timeout: 30_000 });
      await page.waitForSelector('#report table caption', { timeout: 15_000 });
      const captions = await page.$$eval('#report caption', (cs) => cs.map((c) => c.textContent ?? ''));
      expect(captions.some((c) => /^Table S8\. .*CaO/.test(c))).toBe(true);
      for (const f of ['parity', 'polymorphs']) expect(await page.$(`#report #figure-${f} svg`)).not.toBeNull();
      expect(await page.$('#report #figure-convergence')).toBeNull();
      expect(await page.$$eval('#downloads button', (bs) => bs.map((b) => b.getAttribute('data-download')))).toEqual(expect.arrayContaining(['report-latex', 'parameters-gulp', 'structures-cif', 'plot-polymorphs']));
    } finally {
      await page.select('#kind', 'fits');
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('cancels a running fit', async () => {
    const doc = example();
    doc.name = 'long fit';
    doc.options = { ...doc.options, maxIterations: 5000, starts: 1 };
    await setDocument(JSON.stringify(doc, null, 2));
    await page.click('#submit');
    await page.waitForFunction(() => document.getElementById('job-status')!.textContent === 'running', { timeout: 20_000 });
    await page.click('#cancel');
    await page.waitForFunction(() => document.getElementById('job-status')!.textContent === 'cancelled', { timeout: 20_000 });
  }, 40_000);

  it('lists the jobs with their status and filters them', async () => {
    await page.click('#refresh');
    await page.waitForFunction(() => document.querySelectorAll('#jobs tbody tr').length >= 2);
    await page.select('#status-filter', 'cancelled');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('#jobs tbody tr')];
      return rows.length === 1 && rows[0]!.textContent!.includes('long fit');
    });
  });

  it('pages through the job list', async () => {
    // six more cancelled jobs: submitted and cancelled while queued behind nothing long
    const doc = example();
    doc.options = { ...doc.options, maxIterations: 5000 };
    for (let k = 0; k < 6; k++) {
      doc.name = `paged ${k}`;
      const { location } = (await (await fetch(`${base}/v1/fits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) })).json()) as { location: string };
      await fetch(`${base}${location}`, { method: 'DELETE' });
    }
    await page.select('#page-size', '5');
    await page.select('#status-filter', 'cancelled');
    const ids = () => page.$$eval('#jobs tbody tr', (rs) => rs.map((r) => r.getAttribute('data-id')!));
    await page.waitForFunction(() => document.querySelectorAll('#jobs tbody tr').length === 5);
    const first = await ids();
    expect(await page.$eval('#next-page', (b) => (b as unknown as { disabled: boolean }).disabled)).toBe(false);
    await page.click('#next-page');
    await page.waitForFunction(() => document.querySelectorAll('#jobs tbody tr').length === 2);
    const second = await ids();
    expect(second.filter((i) => first.includes(i))).toEqual([]);
    expect(await page.$eval('#next-page', (b) => (b as unknown as { disabled: boolean }).disabled)).toBe(true);
    expect(await text('#page-info')).toBe('page 2, cancelled only');
    await page.click('#first-page');
    await page.waitForFunction(() => document.querySelectorAll('#jobs tbody tr').length === 5);
    expect(await ids()).toEqual(first);
  });
});

describe.skipIf(!hasChromium)('the web page with API keys, in headless Chromium', () => {
  const KEY = 'web-test-key-0123456789abcdef';
  const OTHER = 'web-other-key-fedcba9876543210';
  let dir: string;
  let downloads: string;
  let service: Service;
  let base: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latticefit-web-keys-'));
    downloads = mkdtempSync(join(tmpdir(), 'latticefit-downloads-'));
    service = await createService(
      loadConfig({ PORT: '0', HOST: '127.0.0.1', LATTICEFIT_DATA_DIR: dir, LATTICEFIT_WORKERS: '1', LATTICEFIT_PROGRESS_THROTTLE_MS: '20', LOG_LEVEL: 'silent', LATTICEFIT_RATE_LIMIT: '0', LATTICEFIT_API_KEYS: `${KEY},${OTHER}` }),
    );
    base = await service.listen();
    browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] });
    page = await browser.newPage();
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(String(e)));
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await page.setViewport({ width: 1200, height: 900 });
    await page.goto(base, { waitUntil: 'networkidle0' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await service?.shutdown('test done');
    rmSync(dir, { recursive: true, force: true });
    rmSync(downloads, { recursive: true, force: true });
  });

  const text = (sel: string) => page.$eval(sel, (el) => el.textContent ?? '');
  const enterKey = async (key: string) => {
    await page.$eval('#api-key', (el) => {
      (el as unknown as { value: string }).value = '';
    });
    await page.type('#api-key', key);
    await page.keyboard.press('Enter');
  };
  /** What the page keeps where a key could leak: sessionStorage, localStorage, cookies. */
  const storage = () =>
    page.evaluate(() => {
      const w = globalThis as any;
      return { session: { ...w.sessionStorage }, local: { ...w.localStorage }, cookie: w.document.cookie as string };
    });

  it('says that the server needs a key when none is given', async () => {
    await page.waitForSelector('#key-status:not([hidden])');
    expect(await text('#key-status')).toContain('needs an API key');
    expect(await page.$eval('#key-status', (el) => el.className)).toContain('bad');
  });

  it('says clearly that a wrong key was refused (401)', async () => {
    await enterKey('not-a-valid-key-at-all-000');
    await page.waitForFunction(() => /refused this API key/.test(document.getElementById('key-status').textContent));
    const message = await text('#key-status');
    expect(message).toContain('401');
    expect(message).toContain('UNAUTHORIZED');
  });

  it('takes a good key, and keeps it in this tab only: sessionStorage, never localStorage or a cookie', async () => {
    await enterKey(KEY);
    await page.waitForFunction(() => document.getElementById('key-status').textContent === 'API key accepted.');
    const s = await storage();
    expect(Object.values(s.session)).toEqual([KEY]);
    expect(s.local).toEqual({});
    expect(s.cookie).toBe('');
    expect(await page.cookies()).toEqual([]);
    // another tab (a fresh browsing context) starts without it
    const context = await browser.createBrowserContext();
    const other = await context.newPage();
    await other.goto(base, { waitUntil: 'networkidle0' });
    expect(await other.$eval('#api-key', (el) => (el as unknown as { value: string }).value)).toBe('');
    expect(await other.$eval('#key-status', (el) => el.textContent)).toContain('needs an API key');
    await context.close();
  });

  it('submits a fit with the key, watches it, reads the report and downloads a file', async () => {
    const doc = example();
    doc.name = 'fit with a key';
    doc.options = { ...doc.options, maxIterations: 2 };
    await page.$eval('#document', (el, t) => {
      (el as unknown as { value: string }).value = t;
      el.dispatchEvent(new Event('input'));
    }, JSON.stringify(doc, null, 2));
    await page.click('#submit');
    await page.waitForFunction(() => /iteration \d+/.test(document.getElementById('progress').textContent ?? ''), { timeout: 30_000 });
    await page.waitForFunction(() => document.getElementById('job-status').textContent === 'succeeded', { timeout: 45_000 });
    await page.waitForSelector('#report table caption', { timeout: 15_000 });
    const captions = await page.$$eval('#report caption', (cs) => cs.map((c) => c.textContent ?? ''));
    expect(captions.some((c) => c.startsWith('Table S7.'))).toBe(true);
    expect(await page.$('#report #figure-polymorphs svg')).not.toBeNull();
    await page.click('button[data-download="parameters-json"]');
    const file = await until(() => readdirSync(downloads).find((f) => f.endsWith('-parameters.json')), 10_000, 50);
    const json = await until(() => {
      try {
        return JSON.parse(readFileSync(join(downloads, file), 'utf8')) as unknown;
      } catch {
        return undefined;
      }
    }, 5_000, 50);
    expect(JSON.stringify(json)).toContain('Cd-Se');

    // the job list is this key's: the job is there, and the server hides it from the other key
    await page.click('#refresh');
    await page.waitForFunction(() => [...document.querySelectorAll('#jobs tbody tr')].some((r: any) => r.textContent.includes('fit with a key')));
    const id = await text('#job-id');
    expect((await fetch(`${base}/v1/fits/${id}`, { headers: { authorization: `Bearer ${OTHER}` } })).status).toBe(404);
    // the browser logs the refused requests of the earlier steps itself; nothing else may have gone wrong
    expect(problems.filter((p) => !p.includes('status of 401'))).toEqual([]);
  }, 90_000);
});
