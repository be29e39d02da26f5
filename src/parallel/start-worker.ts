/** Worker thread of `parallelStarts`: runs its share of the starts of a multi-start fit. */
import { parentPort, workerData } from 'node:worker_threads';
import { parseJob } from '../document/parse.js';
import { runStart, type StartOutcome } from '../fitting/fit.js';

const { document, starts } = workerData as { document: unknown; starts: number[][] };
const job = parseJob(document);
const outcomes: StartOutcome[] = starts.map((s) => runStart(job, s));
parentPort!.postMessage(outcomes);
