import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../harness/engine/exit-codes.js';
import type { Journal } from '../harness/engine/journal.js';
import { missingAcks, startKeptInstance } from '../harness/testing/kept-instance.js';
import { processesMentioning } from '../harness/testing/processes.js';
import { inlineScenarios, runCli, tempOutDir, workDir } from '../harness/testing/run-cli.js';

const journalOf = (out: string, name: string) =>
  JSON.parse(readFileSync(join(out, name, 'journal.json'), 'utf8')) as Journal;

function variant(file: string, edits: [RegExp, string][]): string {
  let text = readFileSync(join('scenarios', file), 'utf8');
  for (const [from, to] of edits) text = text.replace(from, to);
  return text;
}

async function run(file: string, opts: { keep?: boolean; work?: string } = {}) {
  const out = tempOutDir();
  const work = opts.work ?? workDir();
  const r = await runCli(['run', file, '--out', out, '--reporter', 'json', ...(opts.keep ? ['--keep'] : [])], {
    env: { DRDRILL_WORK_DIR: work },
  });
  const name = /name: (\S+)/.exec(readFileSync(file, 'utf8'))![1]!;
  return { r, j: journalOf(out, name), out: join(out, name), work };
}

/** RTO phases add up, RPO comes from the ledger, nothing is left running. */
function expectMeasured(j: Journal, work: string) {
  const rto = j.measurements.rto!;
  expect(rto.phases!.length).toBeGreaterThanOrEqual(3);
  expect(rto.phases!.reduce((n, p) => n + p.seconds, 0)).toBeCloseTo(rto.verifiedSeconds!, 2);
  expect(rto.serviceSeconds).toBeGreaterThan(0);
  expect(j.measurements.rpo!.lostAckedWrites).toBeGreaterThanOrEqual(0);
  expect(j.measurements.ledger!.acked).toBeGreaterThan(100);
  expect(processesMentioning(work)).toEqual([]);
}

describe('core drills on the embedded default (real PostgreSQL, real S3)', () => {
  it.each(['corruption.yaml', 'disk-full.yaml', 'disk-full-wal.yaml'])(
    '%s passes with no acknowledged write lost',
    async (file) => {
      const { r, j, work } = await run(join('scenarios', file));
      expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
      expect(j.measurements.rpo!.lostAckedWrites).toBe(0);
      expectMeasured(j, work);
      if (file === 'disk-full-wal.yaml') {
        expect(j.checks.find((c) => c.name === 'wal volume full detected')!.evidence.actual).toMatch(/PANIC/);
        expect((j.measurements.recovery as { restarted: boolean }).restarted).toBe(true);
        expect(j.measurements.rto!.phases!.map((p) => p.name)).toContain('restart');
      }
      if (file === 'corruption.yaml') {
        const detected = j.checks.find((c) => c.name.startsWith('corruption of orders detected'))!;
        expect(String(detected.evidence.actual)).toMatch(/invalid page in block \d+ of relation base\/\d+\/\d+/);
      }
    },
  );

  it('the negative drill detects the damaged newest backup and never restores it', async () => {
    const { r, j } = await run('scenarios/corruption-bad-backup.yaml');
    const tampered = (j.measurements.fault as { tamperedBackup: string }).tamperedBackup.split(' ')[0]!;
    const restored = (j.measurements.recovery as { backup: string } | undefined)?.backup;
    expect(restored).not.toBe(tampered);
    expect(j.checks.some((c) => c.name === `damaged backup ${tampered} was detected and not restored`)).toBe(true);
    if (j.verdict === 'passed') expect(restored).toBe(j.backups[0]!.id);
    else expect(r.code).not.toBe(EXIT_CODES.passed);
  });

  it('cluster-loss: a smaller archive_timeout loses fewer acknowledged writes, and RPO matches the rebuilt database', async () => {
    const counts: Record<string, number> = {};
    for (const timeout of ['1s', '20s']) {
      const dir = inlineScenarios({
        [`loss-${timeout}.yaml`]: variant('cluster-loss.yaml', [
          [/name: cluster-loss/, `name: loss-${timeout}`],
          [/archive_timeout: "5s"/, `archive_timeout: "${timeout}"`],
          [/rpo.lostSeconds: .*/, 'rto: "< 120s"'],
          [/ {2}rto: "< 120s"\n {2}rto/, '  rto'],
          [/before: 8s/, 'before: 12s'],
          [/scale: \d+/, 'scale: 300'],
        ]),
      });
      const { r, j, out, work } = await run(join(dir, `loss-${timeout}.yaml`), { keep: true });
      expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
      const kept = await startKeptInstance(work, 'rebuilt');
      try {
        const lost = (await missingAcks(kept.client, join(out, 'ledger-acks.csv'))).length;
        expect(j.measurements.rpo!.lostAckedWrites).toBe(lost);
      } finally {
        await kept.stop();
      }
      counts[timeout] = j.measurements.rpo!.lostAckedWrites!;
    }
    expect(counts['1s']!).toBeLessThan(counts['20s']!);
  });

  it.each([
    ['replica-failover.yaml', false],
    ['replica-failover-sync.yaml', true],
  ] as const)('%s: RPO equals the acknowledged writes missing on the promoted standby', async (file, synchronous) => {
    const { r, j, out, work } = await run(join('scenarios', file), { keep: true });
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
    const kept = await startKeptInstance(work, 'standby-1');
    try {
      const lost = (await missingAcks(kept.client, join(out, 'ledger-acks.csv'))).length;
      expect(j.measurements.rpo!.lostAckedWrites).toBe(lost);
      if (synchronous) expect(lost).toBe(0);
    } finally {
      await kept.stop();
    }
    expect(j.environment!.postgres.settings.synchronous_standby_names).toBe(synchronous ? '*' : '');
    expect(j.checks.find((c) => c.name.includes('rejoined as a standby with pg_rewind'))!.status).toBe('passed');
  });
});
