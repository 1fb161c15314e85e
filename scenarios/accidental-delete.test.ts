import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../harness/engine/exit-codes.js';
import { runScenario } from '../harness/testing/drill-run.js';
import { variant } from '../harness/testing/journals.js';
import { missingAcks, missingInserts, startKeptInstance } from '../harness/testing/kept-instance.js';
import { processesMentioning } from '../harness/testing/processes.js';
import { inlineScenarios } from '../harness/testing/run-cli.js';
import { parseAckFile } from '../harness/workload/ack-files.js';

const small: [RegExp, string][] = [
  [/scale: \d+/, 'scale: 300'],
  [/before: \d+s/, 'before: 3s'],
];

describe('accidental-delete: point-in-time recovery (real PostgreSQL, real S3)', () => {
  it('pitr brings back every deleted row and every write committed before the DELETE; RPO matches an independent count', async () => {
    const { r, j, dir, work } = await runScenario('scenarios/accidental-delete.yaml', 'accidental-delete', {
      keep: true,
    });
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
    const baseline = j.measurements.baseline as { rowCounts: Record<string, number> };
    const kept = await startKeptInstance(work, 'restored');
    try {
      const missing = await missingAcks(kept.client, join(dir, 'ledger-acks.csv'));
      expect(j.measurements.rpo!.lostAckedWrites).toBe(missing.length);
      expect(j.measurements.rpo!.discardedAfterTarget).toBe(missing.length);
      // Every write the restored database lacks was committed after the DELETE (its txid is the target).
      const fault = j.measurements.fault as { txid: string };
      const late = await kept.client.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM unnest($1::text[]) AS x WHERE x::xid8 < $2::xid8`,
        [missing.map((a) => a.txid), fault.txid],
      );
      expect(late.rows[0]!.n).toBe('0');
      const customers = await kept.client.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM customers WHERE id <= $1',
        [baseline.rowCounts.customers],
      );
      expect(Number(customers.rows[0]!.n)).toBe(baseline.rowCounts.customers);
      // Dataset writes made before the DELETE came back too: customer inserts the restored DB lacks are late ones.
      const customersLost = await missingInserts(kept.client, join(dir, 'workload-changes.csv'), 'customers');
      expect(j.measurements.rpo!.tables!.customers!.lost).toBe(customersLost.missing.length);
    } finally {
      await kept.stop();
    }
    const rto = j.measurements.rto!;
    expect(rto.phases!.map((p) => p.name)).toEqual([
      'detect',
      'archive-current-wal',
      'fetch-base-backup',
      'replay-wal',
      'check-paused',
      'promote',
      'data-restored',
      'verify',
    ]);
    expect(rto.dataRestoredSeconds).toBeLessThan(rto.verifiedSeconds!);
    expect(j.checks.find((c) => c.name === 'customers is back on the paused instance')!.status).toBe('passed');
    expect(processesMentioning(work)).toEqual([]);
  });

  it('undelete copies the rows back into the live primary: writes never stop, nothing acknowledged is lost', async () => {
    const { r, j, dir } = await runScenario('scenarios/accidental-delete-undelete.yaml', 'accidental-delete-undelete');
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
    expect(j.measurements.rto!.serviceSeconds).toBe(0);
    expect(j.measurements.rto!.outage).toBe('none');
    const recover = j.phases.find((p) => p.name === 'recover')!;
    expect(Math.abs(j.measurements.rto!.dataRestoredSeconds! - recover.seconds)).toBeLessThan(0.1);
    expect(j.measurements.rpo!.lostAckedWrites).toBe(0);
    const baseline = j.measurements.baseline as { fingerprints: Record<string, string> };
    const fp = j.checks.find((c) => c.name === 'fingerprint of customers')!;
    expect(fp.status).toBe('passed');
    expect(fp.evidence.actual).toBe(baseline.fingerprints.customers);
    const fault = j.measurements.fault as { at: number };
    const acks = parseAckFile(readFileSync(join(dir, 'ledger-acks.csv'), 'utf8'));
    expect(acks.filter((a) => a.ackAt > fault.at).length).toBeGreaterThan(50);
    expect(new Set(acks.map((a) => a.target))).toEqual(new Set([0])); // the primary was never replaced
  });

  it('a gap in the WAL archive fails the drill, names the missing segment, and never promotes', async () => {
    const dir = inlineScenarios({
      'gap.yaml': variant('accidental-delete.yaml', [
        ...small,
        [/name: accidental-delete/, 'name: gap'],
        [/sql: DELETE FROM customers/, 'sql: DELETE FROM customers\n  removeWalSegment: true'],
      ]),
    });
    const { r, j } = await runScenario(join(dir, 'gap.yaml'), 'gap');
    expect(r.code).toBe(EXIT_CODES.failed);
    const removed = (j.measurements.fault as { removedWalSegment: string }).removedWalSegment;
    expect(removed).toMatch(/^[0-9A-F]{24}$/);
    expect(j.verdict).toBe('failed');
    expect(j.reason).toContain(`segment ${removed} is missing`);
    expect(j.events.some((e) => e.kind === 'restore')).toBe(false);
    expect(j.measurements.rto?.dataRestoredSeconds).toBeUndefined();
    // A drill that did not pass keeps the server logs as evidence.
    expect(j.artifacts.map((a) => a.name)).toEqual(
      expect.arrayContaining(['postgres-primary.log', 'object-store.log']),
    );
  });

  it('a tampered base backup is caught by its sha256 before anything is restored', async () => {
    const dir = inlineScenarios({
      'tamper.yaml': variant('accidental-delete.yaml', [
        ...small,
        [/name: accidental-delete/, 'name: tamper'],
        [/sql: DELETE FROM customers/, 'sql: DELETE FROM customers\n  tamperNewestBackup: true'],
      ]),
    });
    const { r, j } = await runScenario(join(dir, 'tamper.yaml'), 'tamper');
    expect(r.code).toBe(EXIT_CODES.failed);
    const integrity = j.checks.find((c) => c.name.endsWith('objects match the sha256 in its catalog'))!;
    expect(integrity.status).toBe('failed');
    expect(integrity.message).toMatch(/base\.tar: sha256 [0-9a-f]{64} .* differs from the catalog's [0-9a-f]{64}/);
    expect(j.reason).toMatch(/no base backup passed its integrity checks/);
    expect(j.checks.some((c) => c.name.startsWith('pg_verifybackup'))).toBe(false);
  });

  it('restore-dump: payments written after the dump are lost, counted per table exactly as the kept database shows', async () => {
    const dir = inlineScenarios({
      'dump.yaml': variant('accidental-delete-dump.yaml', [
        [/scale: \d+/, 'scale: 300'],
        [/before: \d+s/, 'before: 20s'],
      ]),
    });
    const {
      r,
      j,
      dir: drillDir,
      work,
    } = await runScenario(join(dir, 'dump.yaml'), 'accidental-delete-dump', { keep: true });
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
    expect(j.backups[0]!.objects.map((o) => o.key.split('/').at(-1))).toEqual(['drdrill.dump', 'drdrill.sql.gz']);
    expect(j.checks.find((c) => c.name.includes('is intact (sha256, pg_restore -l, gzip test)'))!.status).toBe(
      'passed',
    );
    const dumpedAt = Date.parse(j.backups[0]!.startedAt);
    const kept = await startKeptInstance(work, 'primary');
    try {
      // Independent count: acknowledged payment inserts (all after the dump) missing from the restored table.
      const payments = await missingInserts(kept.client, join(drillDir, 'workload-changes.csv'), 'payments');
      expect(payments.missing.length).toBeGreaterThan(100); // about 20 s of new orders
      expect(j.measurements.rpo!.tables!.payments!.lost).toBe(payments.missing.length);
      expect(j.measurements.rpo!.lostAckedWrites).toBe(payments.missing.length);
      expect(j.measurements.rpo!.lostBeforeTarget).toBe(0);
      // No other table lost a write: customers, orders and the ledger kept everything.
      for (const table of ['customers', 'orders', 'order_items', 'drdrill_ledger'])
        expect(j.measurements.rpo!.tables![table]!.lost, table).toBe(0);
    } finally {
      await kept.stop();
    }
    const acks = parseAckFile(readFileSync(join(drillDir, 'ledger-acks.csv'), 'utf8'));
    expect(acks.every((a) => a.ackAt > dumpedAt)).toBe(true);
    // The objective on lostAckedWrites now fails, as it must for a dump taken before the writes.
    const strict = inlineScenarios({
      'strict.yaml': variant('accidental-delete-dump.yaml', [
        ...small,
        [/name: accidental-delete-dump/, 'name: strict-dump'],
        [/rpo.lostBeforeTarget: "= 0 rows"/, 'rpo: "= 0 rows"'],
      ]),
    });
    const s = await runScenario(join(strict, 'strict.yaml'), 'strict-dump');
    expect(s.r.code).toBe(EXIT_CODES.failed);
    expect(s.j.reason).toMatch(/^objective rpo.lostAckedWrites = 0 rows missed \(measured \d+\)$/);
  });

  it.skipIf(!existsSync('/usr/bin/pgbackrest'))(
    'pgbackrest: backup, archive-push and restore --type=xid over TLS land exactly before the DELETE',
    async () => {
      const { r, j } = await runScenario('scenarios/accidental-delete-pgbackrest.yaml', 'accidental-delete-pgbackrest');
      expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
      expect(j.backups[0]!.method).toBe('pgbackrest');
      expect(j.backups[0]!.id).toMatch(/^\d{8}-\d{6}F$/);
      expect(j.environment!.postgres.settings.archive_command).toMatch(
        /^pgbackrest --config=\S+ --stanza=drill archive-push %p$/,
      );
      expect(j.measurements.rpo!.lostBeforeTarget).toBe(0);
      expect(j.checks.find((c) => c.name === 'customers is back on the paused instance')!.status).toBe('passed');
    },
  );
});
