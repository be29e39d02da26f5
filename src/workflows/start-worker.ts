/** Worker thread of `threadStarts`: runs its share of the starts of a multi-start fit. */
import { parentPort, workerData } from 'node:worker_threads';
import { runFitStarts } from './fit-job.js';
import type { StartOutcome } from '../fitting/fit.js';

const { document, starts } = workerData as { document: unknown; starts: number[][] };
// one parse for all of this thread's starts
const outcomes: StartOutcome[] = runFitStarts(document, starts);
parentPort!.postMessage(outcomes);
