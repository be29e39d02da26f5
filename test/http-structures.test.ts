/**
 * GET /v1/fits/{id}/structures and /v1/properties/{id}/structures through `app.inject`: the
 * relaxed structures of a succeeded job as CIF, LAMMPS data or JSON, every one or one by id.
 * The route is tested over the fake task module; the real renderer over a real `properties`
 * result of the published PbSe/CdSe model.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jsonRenderers, renderersFrom } from '../src/http/renderers.js';
import { crystalOf, readCif } from '../src/io/index.js';
import * as tasks from '../src/workflows/tasks.js';
import type { PropertiesResult } from '../src/workflows/results.js';
import { buildTestApp, example, smallDocument, until, type TestApp, type TestAppOptions } from './helpers/http-harness.js';
import { TOL } from './helpers/tolerances.js';

let t: TestApp | undefined;
const start = async (opts: TestAppOptions = {}): Promise<TestApp> => (t = await buildTestApp(opts));
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const post = (tt: TestApp, url: string, payload: unknown, headers: Record<string, string> = {}) => tt.app.inject({ method: 'POST', url, payload: payload as object, headers });
const finished = (tt: TestApp, id: string) =>
  until(async () => {
    const j = await tt.store.get(id);
    return j && ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
  });

/** A succeeded fit of the example document (8 structures, CdSe-WZ first). */
async function succeededFit(tt: TestApp, headers: Record<string, string> = {}): Promise<string> {
  const { id } = (await post(tt, '/v1/fits', example(), headers)).json();
  await finished(tt, id);
  return id as string;
}

const STRUCTURE_IDS = ['CdSe-WZ', 'CdSe-ZB', 'CdSe-RS', 'CdSe-HC', 'PbSe-RS', 'PbSe-CsCl', 'PbSe-ZB', 'PbSe-HC'];

describe('GET /v1/fits/{id}/structures', () => {
  it('answers 409 JOB_NOT_FINISHED before the job has succeeded, for fits and property jobs', async () => {
    const tt = await start({ paused: true, config: { syncProperties: { maxAtoms: 0, timeoutMs: 0 } } });
    for (const base of ['/v1/fits', '/v1/properties']) {
      const { id } = (await post(tt, base, smallDocument())).json();
      const url = `${base}/${id}/structures`;
      const res = await tt.app.inject({ url: `${url}?format=cif&structure=NaCl-RS` });
      expect(res.statusCode, base).toBe(409);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json(), base).toMatchObject({ code: 'JOB_NOT_FINISHED', status: 409, instance: url, jobStatus: 'queued' });
    }
  });

  it('answers 404 for an unknown id, a job of the other kind and another API key’s job', async () => {
    const ALICE = 'alice-key-0123456789';
    const BOB = 'bob-key-0123456789';
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    const tt = await start({ env: { LATTICEFIT_API_KEYS: `${ALICE},${BOB}` } });
    const id = await succeededFit(tt, as(ALICE));
    expect((await tt.app.inject({ url: `/v1/fits/${id}/structures`, headers: as(ALICE) })).statusCode).toBe(200);
    for (const [url, key] of [
      ['/v1/fits/01ARZ3NDEKTSV4RRFFQ69G5FAV/structures', ALICE],
      [`/v1/properties/${id}/structures`, ALICE],
      [`/v1/fits/${id}/structures`, BOB],
    ] as const) {
      const res = await tt.app.inject({ url, headers: as(key) });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it('serves every structure as CIF by default, as a file named after the job', async () => {
    const tt = await start();
    const id = await succeededFit(tt);
    const res = await tt.app.inject({ url: `/v1/fits/${id}/structures` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('chemical/x-cif; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`inline; filename="${id}-structures.cif"`);
    expect([...res.body.matchAll(/^data_(\S+)$/gm)].map((m) => m[1])).toEqual(STRUCTURE_IDS);
  });

  it('serves LAMMPS data as text/plain .lmp and JSON as application/json .json', async () => {
    const tt = await start();
    const id = await succeededFit(tt);
    const lammps = await tt.app.inject({ url: `/v1/fits/${id}/structures?format=lammps` });
    expect(lammps.statusCode).toBe(200);
    expect(lammps.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(lammps.headers['content-disposition']).toBe(`inline; filename="${id}-structures.lmp"`);
    expect(lammps.body).toContain('PbSe-HC (fake)');
    const json = await tt.app.inject({ url: `/v1/fits/${id}/structures?format=json` });
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(json.headers['content-disposition']).toBe(`inline; filename="${id}-structures.json"`);
    expect(json.json().structures.map((s: { id: string }) => s.id)).toEqual(STRUCTURE_IDS);
  });

  it('serves only the structure that `structure` names, in a file named after it', async () => {
    const tt = await start();
    const id = await succeededFit(tt);
    const res = await tt.app.inject({ url: `/v1/fits/${id}/structures?format=cif&structure=PbSe-RS` });
    expect(res.statusCode).toBe(200);
    expect([...res.body.matchAll(/^data_(\S+)$/gm)].map((m) => m[1])).toEqual(['PbSe-RS']);
    expect(res.headers['content-disposition']).toBe(`inline; filename="${id}-PbSe-RS.cif"`);
  });

  it('puts only filename-safe characters of a structure id into Content-Disposition', async () => {
    const tt = await start();
    const doc = smallDocument('colon', 1);
    (doc.structures as { id: string }[])[0]!.id = 'NaCl:RS';
    const { id } = (await post(tt, '/v1/fits', doc)).json();
    await finished(tt, id);
    const res = await tt.app.inject({ url: `/v1/fits/${id}/structures?structure=NaCl:RS` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe(`inline; filename="${id}-NaCl_RS.cif"`);
  });

  it('refuses a structure id the result does not have with 422 UNKNOWN_REFERENCE at /structure', async () => {
    const tt = await start();
    const id = await succeededFit(tt);
    for (const format of ['cif', 'lammps', 'json']) {
      const res = await tt.app.inject({ url: `/v1/fits/${id}/structures?format=${format}&structure=NaCl-RS` });
      expect(res.statusCode, format).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json(), format).toMatchObject({ code: 'UNKNOWN_REFERENCE', status: 422, path: '/structure' });
    }
  });

  it('refuses an unknown format, an empty structure id or an unknown parameter with 400 INVALID_QUERY', async () => {
    const tt = await start();
    const id = await succeededFit(tt);
    for (const [q, path] of [
      ['format=xyz', '/format'],
      ['format=gulp', '/format'],
      ['structure=', '/structure'],
      ['structures=PbSe-RS', '/structures'],
    ] as const) {
      const res = await tt.app.inject({ url: `/v1/fits/${id}/structures?${q}` });
      expect(res.statusCode, q).toBe(400);
      expect(res.json(), q).toMatchObject({ code: 'INVALID_QUERY', path });
    }
  });

  it('serves JSON only, and 501 RENDERER_UNAVAILABLE for CIF and LAMMPS, without renderers', async () => {
    const tt = await start({ renderers: jsonRenderers });
    const id = await succeededFit(tt);
    const json = await tt.app.inject({ url: `/v1/fits/${id}/structures?format=json&structure=CdSe-ZB` });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toEqual({ structures: [{ id: 'CdSe-ZB' }] }); // the fake's result has no geometry
    for (const format of ['cif', 'lammps']) {
      const res = await tt.app.inject({ url: `/v1/fits/${id}/structures?format=${format}` });
      expect(res.statusCode, format).toBe(501);
      expect(res.json(), format).toMatchObject({ code: 'RENDERER_UNAVAILABLE' });
    }
    const unknown = await tt.app.inject({ url: `/v1/fits/${id}/structures?format=json&structure=nope` });
    expect(unknown.json()).toMatchObject({ code: 'UNKNOWN_REFERENCE', status: 422, path: '/structure' });
  });
});

describe('GET /v1/properties/{id}/structures', () => {
  it('serves the structures of a property job as it does those of a fit', async () => {
    const tt = await start();
    const res = await post(tt, '/v1/properties', smallDocument('quick', 1));
    expect(res.statusCode).toBe(200);
    const { id } = res.json();
    const cif = await tt.app.inject({ url: `/v1/properties/${id}/structures?structure=NaCl-RS` });
    expect(cif.statusCode).toBe(200);
    expect(cif.body).toMatch(/^data_NaCl-RS$/m);
    expect(cif.headers['content-disposition']).toBe(`inline; filename="${id}-NaCl-RS.cif"`);
  });
});

describe('structures of a real properties result (pbcdse-published.json)', () => {
  const published = JSON.parse(readFileSync(new URL('../fixtures/pbcdse-published.json', import.meta.url), 'utf8')) as unknown;
  let result: PropertiesResult;
  let served: TestApp;
  let id: string;

  beforeAll(async () => {
    result = (await tasks.executeTask('properties', published, { signal: new AbortController().signal, onProgress: () => {} })) as PropertiesResult;
    // the same result served by the route with the real renderers
    served = await buildTestApp({ task: async () => result, renderers: renderersFrom(tasks) });
    id = (await served.app.inject({ method: 'POST', url: '/v1/properties', payload: published as object })).json().id;
    await until(async () => (await served.store.get(id))?.status === 'succeeded');
  });
  afterAll(async () => served?.close());

  it('the CIF of every relaxed structure reads back into the same cell to 1e-6', () => {
    const back = readCif(tasks.renderStructures('properties', result, 'cif')!.body).structures;
    expect(back.map((s) => s.id)).toEqual(result.structures.map((s) => s.id));
    back.forEach((sd, i) => {
      const cell = crystalOf(sd).structure.lattice.parameters;
      const want = result.structures[i]!.cell!;
      for (const k of ['a', 'b', 'c', 'alpha', 'beta', 'gamma'] as const) expect(Math.abs(cell[k] - want[k]!), `${sd.id} ${k}`).toBeLessThanOrEqual(TOL.cifCellRoundTrip);
    });
  });

  it('the route serves one structure’s CIF in its relaxed space group', async () => {
    const res = await served.app.inject({ url: `/v1/properties/${id}/structures?format=cif&structure=CdSe-WZ` });
    expect(res.statusCode).toBe(200);
    const [wz, ...rest] = readCif(res.body).structures;
    expect(rest).toEqual([]);
    expect(wz).toMatchObject({ id: 'CdSe-WZ', spaceGroup: 'P6_3mc' });
    expect(Math.abs(wz!.cell.c! - result.structures[0]!.cell!.c!)).toBeLessThanOrEqual(TOL.cifCellRoundTrip);
  });

  it('the route serves one structure as a bare LAMMPS data file, without the force-field commands', async () => {
    const res = await served.app.inject({ url: `/v1/properties/${id}/structures?format=lammps&structure=PbSe-RS` });
    expect(res.statusCode).toBe(200);
    expect(res.body.split('\n')[0]).toMatch(/^PbSe-RS /);
    expect(res.body).toMatch(/^8 atoms$/m);
    expect(res.body).not.toContain('pair_style');
  });

  it('the route serves every structure as LAMMPS with the force field and one section per data file', async () => {
    const res = await served.app.inject({ url: `/v1/properties/${id}/structures?format=lammps` });
    expect(res.body).toContain('pair_style');
    expect([...res.body.matchAll(/^# ==== (\S+)\.data/gm)].map((m) => m[1])).toEqual(result.structures.map((s) => s.id));
  });

  /** The result as if the relaxation of PbSe-CsCl had failed: an error and no geometry. */
  const withFailedCsCl = (): PropertiesResult => ({
    ...result,
    structures: result.structures.map((s) => (s.id === 'PbSe-CsCl' ? { id: s.id, properties: {}, error: { code: 'RELAX_NOT_CONVERGED', message: 'the relaxation did not converge' } } : s)),
  });

  it('leaves a structure without a relaxed geometry out of the full set', () => {
    const ids = readCif(tasks.renderStructures('properties', withFailedCsCl(), 'cif')!.body).structures.map((s) => s.id);
    expect(ids).toEqual(result.structures.map((s) => s.id).filter((s) => s !== 'PbSe-CsCl'));
  });

  it('refuses to export a structure without a relaxed geometry: INVALID_STRUCTURE at /structure', () => {
    expect(() => tasks.renderStructures('properties', withFailedCsCl(), 'lammps', 'PbSe-CsCl')).toThrow(
      expect.objectContaining({ name: 'DomainError', code: 'INVALID_STRUCTURE', path: '/structure', message: expect.stringContaining('did not converge') }),
    );
  });

  it('the route serves the JSON of the structures as the result holds them', async () => {
    const res = await served.app.inject({ url: `/v1/properties/${id}/structures?format=json` });
    expect(res.json()).toEqual({ structures: result.structures.map(({ id, cell, sites, spaceGroup }) => ({ id, cell, sites, spaceGroup })) });
  });
});
