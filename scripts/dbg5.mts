import { readFileSync } from 'node:fs';
import { parseJob } from '../src/document/parse.js';
import { prepareStructure } from '../src/fitting/evaluator.js';
import { buildEnergyModel } from '../src/potentials/index.js';
import { relax } from '../src/relaxation/index.js';
const job = parseJob(JSON.parse(readFileSync('fixtures/pbcdse-fit.json','utf8')));
const model = buildEnergyModel(job.forceField);
const prep = prepareStructure(job.structures.find(s => s.id === 'CdSe-HC')!, job.forceField.charges);
for (const method of ['newton', 'bfgs'] as const) {
  const r = relax(model, prep.cell, { operations: prep.operations, method, maxIterations: 400, checkStability: true, onStep: (st) => { if (st.iteration < 40) console.log(method, st.iteration, st.enthalpy.toFixed(8), st.maxForce.toExponential(2), st.maxStressGPa.toExponential(2)); } });
  console.log(method, r.converged, r.iterations, r.structure.lattice.parameters, r.warnings.map(w => w.message));
}
