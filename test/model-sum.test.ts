/**
 * The contract suite on the full energy model of a force field (Ewald + Buckingham, summed), the
 * model every relaxation, property and fit uses.
 */
import { buildEnergyModel } from '../src/potentials/index.js';
import { runContractSuite } from './helpers/contract.js';
import { PUBLISHED, referenceStructure, triclinicCell } from './helpers/cells.js';

runContractSuite(
  'Ewald + Buckingham (buildEnergyModel)',
  () => buildEnergyModel({ charges: PUBLISHED.charges, pairs: PUBLISHED.pairs.map((p) => ({ ...p, params: { ...p.params } })) }),
  {
    'PbSe-RS-rattled': () => referenceStructure('PbSe-RS-rattled'),
    'triclinic CdSe': () => triclinicCell(),
  },
);
