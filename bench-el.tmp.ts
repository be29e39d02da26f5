// event-loop time of one POST /v1/fits with 10,000 sites in Fm-3m (real validator, paused queue)
const root = process.argv[2]!;
const { buildTestApp } = await import(`${root}/test/helpers/http-harness.ts`);
const tasks = await import(`${root}/src/jobs/tasks.ts`);
const t = await buildTestApp({ paused: true, validate: tasks.validateTask });
const doc: any = { species: { Na: { charge: 1 }, Cl: { charge: -1 } }, potentials: [{ type: 'buckingham', species: ['Na', 'Cl'], A: 1000, rho: 0.3, C: 0 }],
  structures: [{ id: 'x', spaceGroup: 'Fm-3m', cell: { a: 5.64 }, sites: Array.from({ length: 10000 }, (_, i) => ({ species: i % 2 ? 'Cl' : 'Na', frac: [(i % 100) / 100, Math.floor(i / 100) / 100, 0.123] })) }] };
const body = JSON.stringify(doc);
for (let k = 0; k < 3; k++) {
  const t0 = performance.now();
  const res = await t.app.inject({ method: 'POST', url: '/v1/fits', payload: body, headers: { 'content-type': 'application/json' } });
  console.log(root, `${(body.length / 1024).toFixed(0)} kB`, res.statusCode, res.json().code, `${(performance.now() - t0).toFixed(0)} ms`);
}
await t.close();
