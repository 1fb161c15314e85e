import type { Drill } from './context.js';

/** Lines of each server log kept when a drill does not pass. */
const LOG_LINES = 20_000;

/**
 * When a drill does not pass, its logs are the evidence of why: copy every instance's PostgreSQL log and the
 * object store's log into <out>/<drill>/artifacts before teardown deletes the work directory.
 */
export async function collectFailureEvidence(drill: Drill): Promise<void> {
  for (const instance of drill.instances.values()) {
    const log = await instance.logTail(LOG_LINES).catch((err: Error) => `(log unreadable: ${err.message})`);
    await drill.saveArtifact(`postgres-${instance.name}.log`, log, `PostgreSQL log of ${instance.name}`);
  }
  const s3 = await drill.env.objectStoreLog?.().catch((err: Error) => `(log unreadable: ${err.message})`);
  if (s3 !== undefined) await drill.saveArtifact('object-store.log', s3, 'log of the object store');
}
