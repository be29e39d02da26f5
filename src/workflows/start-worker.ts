/** Worker thread of `threadStarts`: runs its share of the starts of a multi-start fit. */
import { parentPort, workerData } from 'node:worker_threads';
import { runFitStart } from './fit-job.js';
import type { StartOutcome } from '../fitting/fit.js';

const { document, starts } = workerData as { document: unknown; starts: number[][] };
const outcomes: StartOutcome[] = starts.map((s) => runFitStart(document, s));
parentPort!.postMessage(outcomes);
