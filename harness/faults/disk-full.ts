import pg from 'pg';
import { DrillError } from '../engine/errors.js';
import { SkipDrill } from '../engine/skip.js';
import type { FaultDefinition } from './types.js';

const DATA_MB = 96;
const WAL_MB = 48;
const CHUNK = `INSERT INTO drdrill_filler (payload) SELECT repeat(md5(random()::text), 64) FROM generate_series(1, 2000)`;

/**
 * The data directory (or pg_wal) sits on a size-limited volume; a bulk load plus the ledger fill it.
 * Table growth fails with ENOSPC and the server stays up; WAL growth PANICs and stops the postmaster.
 */
export const diskFull: FaultDefinition<'disk-full'> = {
  type: 'disk-full',
  provisionHints: (spec) => ({
    volume: spec.target === 'wal' ? { sizeMB: DATA_MB * 4, walSizeMB: WAL_MB } : { sizeMB: DATA_MB },
  }),
  async inject(ctx, spec) {
    const support = await ctx.env.volumeSupport();
    if (!support.ok) throw new SkipDrill(support.reason);
    const c = new pg.Client({ ...ctx.db(), statement_timeout: 120_000 });
    c.on('error', () => {});
    await c.connect();
    let error: string | undefined;
    let code: string | undefined;
    let chunks = 0;
    try {
      await c.query('CREATE TABLE IF NOT EXISTS drdrill_filler (id bigserial PRIMARY KEY, payload text)');
      while (!error && chunks < 10_000) {
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
    const at = Date.now();
    return {
      at,
      description: `bulk load filled the ${spec.target === 'wal' ? 'pg_wal' : 'data'} volume after ${chunks} chunks: ${error}`,
      error,
      sqlstate: code ?? null,
      chunks,
    };
  },
  async detect(ctx, spec) {
    let log = await ctx.primary.logTail(300);
    if (/PANIC/.test(log) || ctx.fault?.sqlstate === '57P01' || /terminat/i.test(String(ctx.fault?.error))) {
      // A WAL PANIC takes the postmaster down; wait for it rather than racing its exit.
      await Promise.race([ctx.primary.exited(), new Promise((r) => setTimeout(r, 30_000).unref())]);
      log = await ctx.primary.logTail(300);
    }
    const panic = log.split('\n').find((l) => /PANIC/.test(l));
    const enospc =
      log.split('\n').find((l) => /No space left on device/.test(l)) ?? (ctx.fault?.error as string | undefined);
    const running = await ctx.primary.isRunning();
    const seen = !!(
      panic ||
      ctx.fault?.sqlstate === '53100' ||
      (enospc && /No space left|could not extend|could not write/i.test(enospc))
    );
    ctx.recorder.check({
      name: `${spec.target} volume full detected`,
      status: seen ? 'passed' : 'failed',
      evidence: {
        expected: 'ENOSPC errors, or a WAL PANIC',
        actual: panic ?? enospc ?? 'no error seen',
        output: `postmaster ${running ? 'still running' : 'stopped'}`,
        volumeMB: (spec.target === 'wal' ? ctx.primary.walVolume : ctx.primary.volume)?.sizeMB,
      },
    });
    ctx.facts.postmasterDied = !running;
    if (!seen) throw new DrillError('failed', 'the disk-full condition was not observed');
  },
};
