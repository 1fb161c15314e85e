import { parentPort, workerData } from 'node:worker_threads';
import { fuzzCase, loadOutcome, shippedCorpus } from './run-fuzz.js';

/**
 * Runs fuzz cases in a worker thread and reports each one before and after it runs, so the parent can name
 * the case that hangs and go on with a fresh worker.
 */
const { seed, from, to } = workerData as { seed: number; from: number; to: number };
const corpus = shippedCorpus();
for (let index = from; index < to; index++) {
  parentPort!.postMessage({ started: index });
  parentPort!.postMessage({ outcome: loadOutcome(fuzzCase(seed, index, corpus)) });
}
