import { z } from 'zod';
import { budgetMs } from '../engine/budgets.js';
import { DrillError } from '../engine/errors.js';
import { SkipDrill } from '../engine/skip.js';
import { now } from '../util/clock.js';
import { connectClient } from '../util/pg-client.js';
import { sleep } from '../util/retry.js';
import { defineFault } from './types.js';

const DATA_MB = 96;
const WAL_MB = 48;
const CHUNK = `INSERT INTO drdrill_filler (payload) SELECT repeat(md5(random()::text), 64) FROM generate_series(1, 2000)`;

export const diskFullSpec = z.strictObject({
  type: z.literal('disk-full'),
  target: z.enum(['data', 'wal']).default('data'),
  growToMB: z.number().int().min(64).optional(),
});

/**
 * The data directory (or pg_wal) sits on a size-limited volume; a bulk load plus the workload fill it.
 * Table growth fails with ENOSPC and the server stays up; WAL growth PANICs and stops the postmaster.
 */
export const diskFull = defineFault<z.output<typeof diskFullSpec>>({
  damage: (spec) => [{ kind: 'volume', name: spec.target }],
  provisionHints: (spec) => ({
    volume: spec.target === 'wal' ? { sizeMB: DATA_MB * 4, walSizeMB: WAL_MB } : { sizeMB: DATA_MB },
  }),
  async inject(drill, spec) {
    const support = await drill.env.volumeSupport();
    if (!support.ok) throw new SkipDrill(support.reason);
    const c = await connectClient(drill.db(), { statementTimeoutMs: budgetMs('statement') });
    let error: string | undefined;
    let code: string | undefined;
    let chunks = 0;
    let at = now();
    try {
      await c.query('CREATE TABLE IF NOT EXISTS drdrill_filler (id bigserial PRIMARY KEY, payload text)');
      while (!error && chunks < 10_000) {
        // The fault takes effect within the chunk that hits ENOSPC: stamp its start.
        at = now();
        await c.query(CHUNK).then(
          () => chunks++,
          (err: Error & { code?: string }) => {
            error = err.message;
            code = err.code;
          },
        );
      }
    } finally {
      await c.end().catch(() => {});
    }
    if (!error) throw new DrillError('error', `the ${spec.target} volume did not fill up after ${chunks} chunks`);
    return {
      at,
      description: `bulk load filled the ${spec.target === 'wal' ? 'pg_wal' : 'data'} volume after ${chunks} chunks: ${error}`,
      damaged: [{ kind: 'volume', name: spec.target }],
      error,
      sqlstate: code ?? null,
      chunks,
    };
  },
  async detect(drill, spec) {
    let log = await drill.primary.logTail(300);
    if (/PANIC/.test(log) || drill.fault?.sqlstate === '57P01' || /terminat/i.test(String(drill.fault?.error))) {
      // A WAL PANIC takes the postmaster down; wait for it rather than racing its exit.
      await Promise.race([drill.primary.exited(), sleep(budgetMs('postmasterExit'))]);
      log = await drill.primary.logTail(300);
    }
    const panic = log.split('\n').find((l) => /PANIC/.test(l));
    const enospc =
      log.split('\n').find((l) => /No space left on device/.test(l)) ??
      (typeof drill.fault?.error === 'string' ? drill.fault.error : undefined);
    const running = await drill.primary.isRunning();
    const seen = !!(
      panic ||
      drill.fault?.sqlstate === '53100' ||
      (enospc && /No space left|could not extend|could not write/i.test(enospc))
    );
    drill.recorder.check({
      name: `${spec.target} volume full detected`,
      status: seen ? 'passed' : 'failed',
      ...(seen ? {} : { message: 'no ENOSPC error and no WAL PANIC was seen' }),
      evidence: {
        expected: 'ENOSPC errors, or a WAL PANIC',
        actual: panic ?? enospc ?? 'no error seen',
        output: `postmaster ${running ? 'still running' : 'stopped'}`,
        volumeMB: (spec.target === 'wal' ? drill.primary.walVolume : drill.primary.volume)?.sizeMB,
      },
    });
    if (drill.fault) drill.fault.postmasterDied = !running;
    if (!seen) throw new DrillError('failed', 'the disk-full condition was not observed');
  },
});
