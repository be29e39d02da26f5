/**
 * The layering of latticefit, checked on every `npm test` (`npm run lint:deps`).
 *
 * Domain (a library; imports point down this list only):
 *   units, math  <-  crystal  <-  potentials  <-  relaxation  <-  properties  <-  fitting
 *   and beside properties, reading the same floors: surface, dynamics, defects
 * Doors and use cases:
 *   document (parses a job document into domain inputs), io (file formats), engines (external
 *   programs such as LAMMPS), workflows (the use cases: evaluate, fit, import, export, md, ...),
 *   reports and plots (result types in, text out), jobs (job machinery), http, cli, and the entry
 *   points server.ts / worker-server.ts / service.ts.
 * errors.ts is shared by every layer; config.ts and process.ts belong to the process doors.
 */
const DOMAIN = '^src/(units|math|crystal|potentials|relaxation|properties|fitting|surface|dynamics|defects)/';
const DOORS = '^src/(document|io|engines|workflows|reports|plots|jobs|http|cli)/|^src/(config|process|server|worker-server|service)\\.ts$';
const INFRA_PACKAGES = '^(node:)?(fs|fs/promises|child_process|net|http|https|worker_threads)$|node_modules/(fastify|@fastify|pino|better-sqlite3|ioredis|bullmq|piscina|vega|vega-lite)/';

const below = (layer, allowed) => ({
  name: `${layer}-imports-only-below`,
  comment: `${layer} may import only ${allowed.join(', ')} (and errors.ts)`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: '^src/', pathNot: [`^src/(${[layer, ...allowed].join('|')})/`, '^src/errors\\.ts$'] },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'no import cycles, at file level', from: {}, to: { circular: true } },
    below('units', []),
    below('math', ['units']),
    below('crystal', ['units', 'math']),
    below('potentials', ['units', 'math', 'crystal']),
    below('relaxation', ['units', 'math', 'crystal', 'potentials']),
    below('properties', ['units', 'math', 'crystal', 'potentials', 'relaxation']),
    below('surface', ['units', 'math', 'crystal', 'potentials', 'relaxation', 'properties']),
    below('dynamics', ['units', 'math', 'crystal', 'potentials', 'relaxation', 'properties']),
    below('defects', ['units', 'math', 'crystal', 'potentials', 'relaxation', 'properties']),
    below('fitting', ['units', 'math', 'crystal', 'potentials', 'relaxation', 'properties', 'surface']),
    {
      name: 'domain-is-a-library',
      comment: 'the domain imports no door, no job document, no file system, HTTP, logging, storage or process machinery',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: [DOORS, INFRA_PACKAGES] },
    },
    {
      name: 'document-is-a-door',
      comment: 'document/ parses into domain inputs; it calls no use case or other door',
      severity: 'error',
      from: { path: '^src/document/' },
      to: { path: '^src/(io|engines|workflows|reports|plots|jobs|http|cli)/' },
    },
    {
      name: 'formats-and-engines-call-no-use-case',
      severity: 'error',
      from: { path: '^src/(io|engines)/' },
      to: { path: '^src/(workflows|reports|plots|jobs|http|cli)/' },
    },
    {
      name: 'file-readers-build-crystals-directly',
      comment: 'the file readers build domain inputs with the domain builders (crystal/crystal.ts), not by parsing a job document made up for it',
      severity: 'error',
      from: { path: '^src/io/(common|gulp-read|cif-read|lammps)\\.ts$' },
      to: { path: '^src/document/parse\\.ts$' },
    },
    {
      name: 'reports-read-result-types',
      comment: 'reports and plots are pure functions of results: they read result types and each other, never the job document or the machinery',
      severity: 'error',
      from: { path: '^src/(reports|plots)/' },
      to: { path: '^src/', pathNot: ['^src/(reports|plots|units|math)/', '^src/workflows/results\\.ts$', '^src/surface/face\\.ts$', '^src/errors\\.ts$'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-below-the-doors',
      comment: 'use cases are called by jobs, http and cli; they call none of them',
      severity: 'error',
      from: { path: '^src/workflows/' },
      to: { path: '^src/(jobs|http|cli)/|^src/(server|worker-server|service)\\.ts$' },
    },
    {
      name: 'jobs-below-http-and-cli',
      severity: 'error',
      from: { path: '^src/jobs/' },
      to: { path: '^src/(http|cli)/|^src/(server|worker-server)\\.ts$' },
    },
    {
      name: 'http-calls-no-cli',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'worker-process-needs-no-http',
      comment: 'the queue worker process shares logging and metrics through process-level modules, not the HTTP layer',
      severity: 'error',
      from: { path: '^src/(worker-server\\.ts|jobs/)' },
      to: { path: '^src/http/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs'] },
    reporterOptions: { dot: { collapsePattern: '^src/[^/]+/|^src/[^/]+\\.ts$' } },
  },
};
