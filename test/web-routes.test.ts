/**
 * The web page's routes and the plots route, in memory (app.inject): the page and its assets with
 * their strict policy, nothing outside public/, and the plots route's refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, smallDocument, type TestApp } from './helpers/http-harness.js';

describe('web page and plots routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ paused: true });
  });
  afterAll(async () => t.close());

  it('serves the page with a CSP that allows no inline script or style', async () => {
    const res = await t.app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.body).not.toMatch(/<script>|<style>| style="| on[a-z]+="/);
  });

  it('serves the assets and the example, and nothing else', async () => {
    expect((await t.app.inject({ url: '/web/app.js' })).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await t.app.inject({ url: '/web/style.css' })).statusCode).toBe(200);
    expect(JSON.parse((await t.app.inject({ url: '/web/example.json' })).body).structures.length).toBeGreaterThan(0);
    for (const url of ['/web/..%2Fpackage.json', '/web/nothing.js', '/web/index.html', '/web/%2e%2e%2fsrc%2fconfig.ts']) expect((await t.app.inject({ url })).statusCode).toBe(404);
  });

  it('refuses an unknown figure name and a job that has not succeeded', async () => {
    const post = await t.app.inject({ method: 'POST', url: '/v1/fits', payload: smallDocument() });
    const { location } = post.json() as { location: string };
    expect((await t.app.inject({ url: `${location}/plots/pie.svg` })).json()).toMatchObject({ code: 'INVALID_QUERY' });
    const queued = await t.app.inject({ url: `${location}/plots/parity.svg` });
    expect(queued.statusCode).toBe(409);
    expect(queued.json()).toMatchObject({ code: 'JOB_NOT_FINISHED' });
    expect((await t.app.inject({ url: '/v1/fits/nope/plots/parity.svg' })).statusCode).toBe(404);
  });
});
