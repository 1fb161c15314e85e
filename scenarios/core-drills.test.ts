import { join } from 'node:path';
import { allTests } from '../harness/testing/lanes.js';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../harness/engine/exit-codes.js';
import { tmpfsSupport } from '../harness/environments/native/tmpfs-volume.js';
import type { Journal } from '../harness/engine/journal.js';
import { runScenario } from '../harness/testing/drill-run.js';
import { variant } from '../harness/testing/journals.js';
import { missingAcks, startKeptInstance } from '../harness/testing/kept-instance.js';
import { processesMentioning } from '../harness/testing/processes.js';
import { inlineScenarios } from '../harness/testing/run-cli.js';

/** The RPO the drill reports equals the acknowledged writes the kept database lacks, counted apart from it. */
async function expectRpoMatchesKept(j: Journal, out: string, work: string, instance: string): Promise<number> {
  const kept = await startKeptInstance(work, instance);
  try {
    const lost = (await missingAcks(kept.client, join(out, 'ledger-acks.csv'))).length;
    expect(j.measurements.rpo!.lostAckedWrites).toBe(lost);
    return lost;
  } finally {
    await kept.stop();
  }
}

// Size-limited volumes need root or unprivileged user namespaces; where neither exists the disk-full drills end
// `skipped` (never passed), and these tests say so instead of failing.
const volumes = tmpfsSupport();
if (!volumes.ok) process.stdout.write(`skip: the disk-full drills cannot run here: ${volumes.reason}\n`);

describe('core drills on the embedded default (real PostgreSQL, real S3)', () => {
  if (!volumes.ok) it.skip(`disk-full.yaml, disk-full-wal.yaml: ${volumes.reason}`, () => {});

  it.each([
    ['corruption.yaml', 'corruption'],
    ...(volumes.ok
      ? [
          ['disk-full.yaml', 'disk-full'],
          ['disk-full-wal.yaml', 'disk-full-wal'],
        ]
      : []),
  ])('%s passes with no acknowledged write lost', async (file, name) => {
    const { r, j, dir: out, work } = await runScenario(join('scenarios', file), name, { keep: true });
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
    expect(j.measurements.rpo!.lostAckedWrites).toBe(0);
    // The workload wrote the dataset too, and the damaged volume or table lost none of it.
    for (const table of ['customers', 'orders', 'order_items', 'payments'])
      expect(j.measurements.rpo!.tables![table]!.acked, table).toBeGreaterThan(50);
    // A disk-full primary's volume is unmounted at teardown, --keep or not: only the rebuilt one can be counted.
    if (name === 'corruption') await expectRpoMatchesKept(j, out, work, 'rebuilt');
    expect(processesMentioning(work)).toEqual([]);
    if (name === 'disk-full-wal') {
      expect(j.checks.find((c) => c.name === 'wal volume full detected')!.evidence.actual).toMatch(/PANIC/);
      expect((j.measurements.recovery as { restarted: boolean }).restarted).toBe(true);
      expect(j.measurements.rto!.phases!.map((p) => p.name)).toContain('restart');
      // The PANIC stopped every write: a real outage, measured from the fault to the first write after it.
      const outage = j.measurements.rto!.outage;
      expect(outage).not.toBe('none');
      if (outage && outage !== 'none')
        expect(j.measurements.rto!.serviceSeconds).toBeGreaterThanOrEqual(outage.seconds!);
    }
    if (name === 'corruption') {
      const detected = j.checks.find((c) => c.name.startsWith('corruption of orders detected'))!;
      expect(String(detected.evidence.actual)).toMatch(/invalid page in block \d+ of relation base\/\d+\/\d+/);
      const replay = j.checks.find((c) => c.name === 'replay reached the end of the WAL archive')!;
      expect(replay.status).toBe('passed');
      expect(String(replay.evidence.actual)).toMatch(/^[0-9A-F]+\/[0-9A-F]+ \([0-9A-F]{24}\)$/);
    }
  });

  it('the negative drill detects the damage it put in the newest backup, never restores it, and passes on the older one', async () => {
    const { r, j } = await runScenario('scenarios/corruption-bad-backup.yaml', 'corruption-bad-backup');
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
    const [older, newest] = j.backups;
    expect((j.measurements.fault as { tamperedBackupId: string }).tamperedBackupId).toBe(newest!.id);
    expect((j.measurements.recovery as { backup: string }).backup).toBe(older!.id);
    expect(j.checks.find((c) => c.name === `damaged backup ${newest!.id} was detected and not restored`)!.status).toBe(
      'passed',
    );
  });

  it.skipIf(!allTests)(
    'cluster-loss: a smaller archive_timeout loses fewer acknowledged writes, and RPO matches the rebuilt database',
    async () => {
      const counts: Record<string, number> = {};
      for (const timeout of ['1s', '20s']) {
        const dir = inlineScenarios({
          [`loss-${timeout}.yaml`]: variant('cluster-loss.yaml', [
            [/name: cluster-loss/, `name: loss-${timeout}`],
            [/archive_timeout: "5s"/, `archive_timeout: "${timeout}"`],
            [/ {2}rpo.lostSeconds: .*\n/, ''],
            [/before: 8s/, 'before: 12s'],
            [/scale: \d+/, 'scale: 300'],
          ]),
        });
        const {
          r,
          j,
          dir: out,
          work,
        } = await runScenario(join(dir, `loss-${timeout}.yaml`), `loss-${timeout}`, { keep: true });
        expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
        counts[timeout] = await expectRpoMatchesKept(j, out, work, 'rebuilt');
        // Whatever was lost was committed after the end of the replayed archive: the recovery kept its promise.
        expect(j.measurements.rpo!.lostBeforeTarget).toBe(0);
      }
      expect(counts['1s']!).toBeLessThan(counts['20s']!);
    },
  );

  it('cluster-loss at 1 write/s: lost writes span real time, from the last surviving write to the last lost one', async () => {
    const dir = inlineScenarios({
      'slow.yaml': variant('cluster-loss.yaml', [
        [/name: cluster-loss/, 'name: slow-loss'],
        [/archive_timeout: "5s"/, 'archive_timeout: "60s"'],
        [/ {2}rpo.lostSeconds: .*\n/, ''],
        [/rate: 100/, 'rate: 1'],
        [/before: 8s/, 'before: 4s'],
        [/scale: \d+/, 'scale: 300'],
      ]),
    });
    const { r, j, dir: out, work } = await runScenario(join(dir, 'slow.yaml'), 'slow-loss', { keep: true });
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
    const lost = await expectRpoMatchesKept(j, out, work, 'rebuilt');
    expect(lost).toBeGreaterThanOrEqual(1);
    // At one write a second, each lost write is about one second of lost work: never 0.
    expect(j.measurements.rpo!.lostSeconds).toBeGreaterThan(lost - 0.5);
    expect(j.measurements.rpo!.lostSeconds).toBeLessThan(lost + 0.5);
  });

  it.each([
    ['replica-failover.yaml', 'replica-failover', false],
    ['replica-failover-sync.yaml', 'replica-failover-sync', true],
  ] as const)('%s: RPO equals the acknowledged writes missing on the promoted standby', async (file, name, sync) => {
    const { r, j, dir: out, work } = await runScenario(join('scenarios', file), name, { keep: true });
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
    const lost = await expectRpoMatchesKept(j, out, work, 'standby-1');
    if (sync) expect(lost).toBe(0);
    expect(j.measurements.rpo!.lostBeforeTarget).toBe(0);
    expect(j.environment!.postgres.settings.synchronous_standby_names).toBe(sync ? '*' : '');
    expect(j.checks.find((c) => c.name.includes('rejoined as a standby with pg_rewind'))!.status).toBe('passed');
    // Killing the primary stops every write until the standby takes over.
    expect(j.measurements.rto!.outage).not.toBe('none');
  });
});
