// Worker entry for TypeScript sources (tests, `node --import tsx`): a worker thread does not
// inherit the parent's module hooks, and on Node 20 `--import tsx` in a worker's execArgv does not
// register tsx's ESM hooks there, so this plain-JS file registers them through tsx's API and then
// loads the TypeScript worker. Production runs dist/jobs/worker.js directly and never loads this.
import { register } from 'tsx/esm/api';

register();
const { default: runTask } = await import('./worker.ts');
export default runTask;
