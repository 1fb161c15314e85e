import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../../harness/engine/exit-codes.js';
import { journalOf } from '../../../harness/testing/journals.js';
import { startKeptInstance } from '../../../harness/testing/kept-instance.js';
import { processesMentioning } from '../../../harness/testing/processes.js';
import { runCli, tempOutDir, workDir } from '../../../harness/testing/run-cli.js';

describe('negative migration drills (fault injection, real PostgreSQL)', () => {
  it('negative drills fail on purpose, naming the table the copy skipped and the sequences the cutover forgot', async () => {
    const out = tempOutDir();
    const work = workDir();
    const r = await runCli(['run', 'scenarios/migrations/negative/', '--out', out, '--reporter', 'json', '--keep'], {
      env: { DRDRILL_WORK_DIR: work },
    });
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.failed);

    const skipped = journalOf(out, 'migrate-copy-skips-a-table');
    expect(skipped.verdict).toBe('failed');
    expect(skipped.reason).toMatch(/payments has 0 of \d+ rows/);
    const counts = skipped.checks.find((c) => c.name === 'row counts of every table, old vs new, before the switch')!;
    expect(counts.status).toBe('failed');
    expect(counts.message).toMatch(/^payments: \d+ rows on the source, 0 on the target$/);
    // The cutover was called off: the application never wrote to the target.
    expect(skipped.measurements.migration!.writeDowntimeSeconds).toBeUndefined();
    const target = await startKeptInstance(work, 'target', { runId: skipped.runId });
    try {
      const count = async (t: string) =>
        (await target.client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0]!.n;
      expect(await count('payments')).toBe(0);
      expect(await count('customers')).toBeGreaterThanOrEqual(2000);
    } finally {
      await target.stop();
    }

    const forgot = journalOf(out, 'migrate-forgets-sequences');
    expect(forgot.verdict).toBe('failed');
    expect(forgot.reason).toMatch(
      /^check failed: sequences of the target at or ahead of the source's — behind the source: public\.customers_id_seq \(target/,
    );
    for (const seq of ['customers_id_seq', 'orders_id_seq', 'order_items_id_seq', 'payments_id_seq'])
      expect(forgot.reason).toContain(`public.${seq}`);
    // Independently: the kept target holds customers above what its own sequence would hand out next.
    const kept = await startKeptInstance(work, 'target', { runId: forgot.runId });
    try {
      const row = (
        await kept.client.query<{ seq: string; max: string }>(
          'SELECT (SELECT last_value FROM customers_id_seq)::text AS seq, (SELECT max(id) FROM customers)::text AS max',
        )
      ).rows[0]!;
      expect(BigInt(row.seq)).toBeLessThan(BigInt(row.max));
    } finally {
      await kept.stop();
    }
    // The application met the forgotten sequences as duplicate keys on the target.
    const refused = forgot.checks.find((c) => c.name === 'the target accepted every write after the cutover')!;
    expect(refused.status).toBe('failed');
    expect(refused.message).toMatch(/duplicate key value violates unique constraint "customers_pkey"/);
    expect(processesMentioning(work)).toEqual([]);
  });
});
