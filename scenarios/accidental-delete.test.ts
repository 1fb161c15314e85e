import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Journal } from '../harness/engine/journal.js';
import { EXIT_CODES } from '../harness/engine/exit-codes.js';
import { parseAckFile } from '../harness/ledger/ledger-writer.js';
import { missingAcks, startKeptInstance } from '../harness/testing/kept-instance.js';
import { processesMentioning } from '../harness/testing/processes.js';
import { inlineScenarios, runCli, tempOutDir, workDir } from '../harness/testing/run-cli.js';

const journalOf = (out: string, name: string) =>
  JSON.parse(readFileSync(join(out, name, 'journal.json'), 'utf8')) as Journal;

/** Shipped scenario text with a few lines changed, so tests run what users run, only smaller. */
function variant(file: string, edits: [RegExp, string][]): string {
  let text = readFileSync(join('scenarios', file), 'utf8');
  for (const [from, to] of edits) text = text.replace(from, to);
  return text;
}

const small: [RegExp, string][] = [
  [/scale: \d+/, 'scale: 300'],
  [/before: \d+s/, 'before: 3s'],
];

describe('accidental-delete: point-in-time recovery (real PostgreSQL, real S3)', () => {
  it('pitr brings back every deleted row and every write acknowledged before the DELETE; RPO matches an independent count', async () => {
    const out = tempOutDir();
    const work = workDir();
    const r = await runCli(['run', 'scenarios/accidental-delete.yaml', '--out', out, '--keep', '--reporter', 'json'], {
      env: { DRDRILL_WORK_DIR: work },
    });
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
    const j = journalOf(out, 'accidental-delete');
    const fault = j.measurements.fault as { commitAt: number; txid: string };

    const kept = await startKeptInstance(work, 'restored');
    try {
      const missing = await missingAcks(kept.client, join(out, 'accidental-delete', 'ledger-acks.csv'));
      expect(j.measurements.rpo!.lostAckedWrites).toBe(missing.length);
      expect(missing.filter((a) => a.ackAt < fault.commitAt)).toEqual([]);
      expect(j.measurements.rpo!.discardedAfterTarget).toBe(missing.length);
      const customers = await kept.client.query<{ n: string }>('SELECT count(*) AS n FROM customers');
      expect(Number(customers.rows[0]!.n)).toBe(
        (j.measurements.baseline as { rowCounts: Record<string, number> }).rowCounts.customers,
      );
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
      'reconnect',
      'verify',
    ]);
    expect(rto.phases!.reduce((n, p) => n + p.seconds, 0)).toBeCloseTo(rto.verifiedSeconds!, 2);
    expect(rto.serviceSeconds).toBeLessThan(rto.verifiedSeconds!);
    expect(processesMentioning(work)).toEqual([]);
  });

  it('undelete copies the rows back into the live primary: nothing acknowledged is lost, writes after the fault stay', async () => {
    const out = tempOutDir();
    const r = await runCli(['run', 'scenarios/accidental-delete-undelete.yaml', '--out', out, '--reporter', 'json'], {
      env: { DRDRILL_WORK_DIR: workDir() },
    });
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
    const j = journalOf(out, 'accidental-delete-undelete');
    expect(j.measurements.rpo!.lostAckedWrites).toBe(0);
    const baseline = j.measurements.baseline as { fingerprints: Record<string, string> };
    const fp = j.checks.find((c) => c.name === 'fingerprint of customers')!;
    expect(fp.status).toBe('passed');
    expect(fp.evidence.actual).toBe(baseline.fingerprints.customers);
    const fault = j.measurements.fault as { at: number };
    const acks = parseAckFile(readFileSync(join(out, 'accidental-delete-undelete', 'ledger-acks.csv'), 'utf8'));
    expect(acks.filter((a) => a.ackAt > fault.at).length).toBeGreaterThan(50);
    expect(acks.every((a) => a.target === 0)).toBe(true); // the primary was never replaced
  });

  it('a gap in the WAL archive fails the drill, names the missing segment, and never promotes', async () => {
    const dir = inlineScenarios({
      'gap.yaml': variant('accidental-delete.yaml', [
        ...small,
        [/name: accidental-delete/, 'name: gap'],
        [/sql: DELETE FROM customers/, 'sql: DELETE FROM customers\n  removeWalSegment: true'],
      ]),
    });
    const out = tempOutDir();
    const r = await runCli(['run', join(dir, 'gap.yaml'), '--out', out, '--reporter', 'json'], {
      env: { DRDRILL_WORK_DIR: workDir() },
    });
    expect(r.code).toBe(EXIT_CODES.failed);
    const j = journalOf(out, 'gap');
    const removed = (j.measurements.fault as { removedWalSegment: string }).removedWalSegment;
    expect(removed).toMatch(/^[0-9A-F]{24}$/);
    expect(j.verdict).toBe('failed');
    expect(j.reason).toContain(`segment ${removed} is missing`);
    expect(j.events.some((e) => e.kind === 'restore')).toBe(false);
    expect(j.measurements.rto?.serviceSeconds).toBeUndefined();
  });

  it('a tampered base backup is caught by its sha256 before anything is restored', async () => {
    const dir = inlineScenarios({
      'tamper.yaml': variant('accidental-delete.yaml', [
        ...small,
        [/name: accidental-delete/, 'name: tamper'],
        [/sql: DELETE FROM customers/, 'sql: DELETE FROM customers\n  tamperNewestBackup: true'],
      ]),
    });
    const out = tempOutDir();
    const r = await runCli(['run', join(dir, 'tamper.yaml'), '--out', out, '--reporter', 'json'], {
      env: { DRDRILL_WORK_DIR: workDir() },
    });
    expect(r.code).toBe(EXIT_CODES.failed);
    const j = journalOf(out, 'tamper');
    const integrity = j.checks.find((c) => c.name.endsWith('objects match the sha256 in its catalog'))!;
    expect(integrity.status).toBe('failed');
    expect(integrity.message).toMatch(/base\.tar: sha256 [0-9a-f]{64} .* differs from the catalog's [0-9a-f]{64}/);
    expect(j.reason).toMatch(/no base backup passed its integrity checks/);
    expect(j.checks.some((c) => c.name.startsWith('pg_verifybackup'))).toBe(false);
  });

  it('restore-dump: a selective pg_restore brings a dropped table back; a full restore loses the writes made after the dump', async () => {
    const out = tempOutDir();
    const selective = await runCli(
      ['run', 'scenarios/accidental-delete-dump.yaml', '--out', out, '--reporter', 'json'],
      { env: { DRDRILL_WORK_DIR: workDir() } },
    );
    expect(selective.code, selective.stdout + selective.stderr).toBe(EXIT_CODES.passed);
    const j = journalOf(out, 'accidental-delete-dump');
    expect(j.backups[0]!.objects.map((o) => o.key.split('/').at(-1))).toEqual(['drdrill.dump', 'drdrill.sql.gz']);
    expect(j.checks.find((c) => c.name.includes('is intact (sha256, pg_restore -l, gzip test)'))!.status).toBe(
      'passed',
    );
    expect(j.measurements.rpo!.lostAckedWrites).toBe(0);

    const dir = inlineScenarios({
      'full.yaml': variant('accidental-delete-dump.yaml', [
        ...small,
        [/name: accidental-delete-dump/, 'name: full-dump'],
        [/sql: DROP TABLE payments/, 'sql: DELETE FROM customers'],
        [/, tables: \[payments\]/, ''],
        [/ {2}rpo: "= 0 rows"\n/, ''],
        [/ {2}- ledger: complete\n/, ''],
      ]),
    });
    const full = await runCli(['run', join(dir, 'full.yaml'), '--out', out, '--reporter', 'json'], {
      env: { DRDRILL_WORK_DIR: workDir() },
    });
    expect(full.code, full.stdout + full.stderr).toBe(EXIT_CODES.passed);
    const fj = journalOf(out, 'full-dump');
    const dumpedAt = Date.parse(fj.backups[0]!.finishedAt);
    const acks = parseAckFile(readFileSync(join(out, 'full-dump', 'ledger-acks.csv'), 'utf8'));
    // The ledger started after the dump: everything it wrote before the restore is gone.
    expect(acks.filter((a) => a.ackAt > dumpedAt && a.target === 0).length).toBeGreaterThan(0);
    expect(fj.measurements.rpo!.lostAckedWrites).toBeGreaterThan(0);
    expect(fj.checks.find((c) => c.name === 'row count of customers')!.status).toBe('passed');
  });

  it.skipIf(!existsSync('/usr/bin/pgbackrest'))(
    'pgbackrest: backup, archive-push and restore --type=xid over TLS land exactly before the DELETE',
    async () => {
      const out = tempOutDir();
      const r = await runCli(
        ['run', 'scenarios/accidental-delete-pgbackrest.yaml', '--out', out, '--reporter', 'json'],
        { env: { DRDRILL_WORK_DIR: workDir() } },
      );
      expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
      const j = journalOf(out, 'accidental-delete-pgbackrest');
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
