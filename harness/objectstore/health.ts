import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { budgetMs } from '../engine/budgets.js';
import { DrillError, errorMessage } from '../engine/errors.js';
import type { ObjectStore } from './client.js';

/**
 * Why the object store does not answer (connection refused, timeout, an HTTP error for the bucket), or
 * undefined when it does. Asked when a step that needs it fails or stalls, so the drill names the object
 * store instead of the step that waited for it.
 */
export async function objectStoreProblem(store: ObjectStore): Promise<string | undefined> {
  const timeout = AbortSignal.timeout(budgetMs('connect'));
  try {
    await store.client.send(new HeadBucketCommand({ Bucket: store.bucket }), { abortSignal: timeout });
    return undefined;
  } catch (err) {
    const e = err as { code?: string; name?: string; $metadata?: { httpStatusCode?: number } };
    const why = e.code ?? (timeout.aborted ? 'no answer' : undefined) ?? e.name ?? 'error';
    const status = e.$metadata?.httpStatusCode;
    return `the object store ${store.conn.endpoint} (bucket ${store.bucket}) does not answer: ${why}${status ? ` (HTTP ${status})` : ''}${e.code ? '' : `: ${errorMessage(err)}`}`;
  }
}

/** Runs a step; when it fails and the object store does not answer, the error says so first. */
export async function namingObjectStore<T>(store: ObjectStore, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (errorMessage(err).includes('the object store ')) throw err;
    const problem = await objectStoreProblem(store);
    if (!problem) throw err;
    const exitCode = err instanceof DrillError && err.exitCode === 'failed' ? 'failed' : 'error';
    throw new DrillError(exitCode, `${problem}; ${errorMessage(err)}`, { cause: err });
  }
}
