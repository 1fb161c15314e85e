import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../harness/engine/exit-codes.js';
import type { Journal } from '../../harness/engine/journal.js';
import { journalOf } from '../../harness/testing/journals.js';
import { missingAcks, missingInserts, startKeptInstance } from '../../harness/testing/kept-instance.js';
import { processesMentioning } from '../../harness/testing/processes.js';
import { runCli, tempOutDir, workDir } from '../../harness/testing/run-cli.js';

const PROCEDURES = {
  'migrate-copy-then-verify': 'copy-then-verify',
  'migrate-dual-write': 'dual-write',
  'migrate-logical-replication': 'logical-replication',
} as const;

/** Counted on the kept target itself, from the writer's own files: acknowledged writes it does not hold. */
async function lostOnKeptTarget(work: string, out: string, j: Journal): Promise<Record<string, number>> {
  const kept = await startKeptInstance(work, 'target', { runId: j.runId });
  try {
    const dir = join(out, j.drill);
    const lost: Record<string, number> = {
      drdrill_ledger: (await missingAcks(kept.client, join(dir, 'ledger-acks.csv'))).length,
    };
    for (const table of ['customers', 'orders', 'order_items', 'payments']) {
      const { acked, missing } = await missingInserts(kept.client, join(dir, 'workload-changes.csv'), table);
      expect(acked, `${j.drill}: acknowledged inserts into ${table}`).toBeGreaterThan(50);
      lost[table] = missing.length;
    }
    return lost;
  } finally {
    await kept.stop();
  }
}

describe('migrations of the shop dataset with the writer at 100 writes/s (real PostgreSQL)', () => {
  it('every procedure passes with no acknowledged write lost on the kept target, and logical replication stops writes for less time than copy-then-verify', async () => {
    const out = tempOutDir();
    const work = workDir();
    const r = await runCli(['run', 'scenarios/migrations/', '--out', out, '--reporter', 'json,html,md', '--keep'], {
      env: { DRDRILL_WORK_DIR: work },
    });
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);
    const journals = Object.fromEntries(Object.keys(PROCEDURES).map((d) => [d, journalOf(out, d)]));

    for (const [drill, procedure] of Object.entries(PROCEDURES)) {
      const j = journals[drill]!;
      expect(j.verdict, `${drill}: ${j.reason}`).toBe('passed');
      expect(j.measurements.migration!.procedure).toBe(procedure);
      // The scenario's writer (100 writes/s) wrote on both sides of the switch; its rate is a benchmark's matter.
      expect(j.scenario.parsed.kind === 'Migration' && j.scenario.parsed.workload.ledger.rate).toBe(100);
      const lost = await lostOnKeptTarget(work, out, j);
      expect(lost, drill).toEqual({ drdrill_ledger: 0, customers: 0, orders: 0, order_items: 0, payments: 0 });
      expect(j.measurements.rpo!.lostAckedWrites, drill).toBe(0);
      expect(j.measurements.migration!.divergentRows, drill).toBe(0);
      // Writes reached the target after the switch, counted from the writer's own file.
      const acks = readFileSync(join(out, drill, 'ledger-acks.csv'), 'utf8')
        .trim()
        .split('\n');
      expect(acks.filter((l) => l.split(',')[3] === '0').length, `${drill} on the source`).toBeGreaterThan(50);
      expect(acks.filter((l) => l.split(',')[3] !== '0').length, `${drill} on the target`).toBeGreaterThan(50);
    }

    const dual = journals['migrate-dual-write']!;
    expect(dual.phases.map((p) => p.name)).toEqual([
      'provision',
      'seed',
      'workload',
      'copy',
      'dual-write',
      'sync',
      'cutover',
      'fence',
      'compare',
      'teardown',
    ]);
    for (const phase of ['workload', 'copy', 'dual-write', 'sync', 'cutover', 'fence'])
      expect(dual.checks.filter((c) => c.phase === phase).length, phase).toBeGreaterThan(0);
    expect(dual.measurements.migration!.divergence).toBeUndefined();

    const downtime = (d: string) => journals[d]!.measurements.migration!.writeDowntimeSeconds!;
    expect(downtime('migrate-logical-replication')).toBeLessThan(downtime('migrate-copy-then-verify'));
    expect(journals['migrate-logical-replication']!.measurements.migration!.lagAtCutoverSeconds).toBeGreaterThanOrEqual(
      0,
    );
    expect(journals['migrate-copy-then-verify']!.measurements.migration!.copy!.jobs).toBe(2);

    // The suite report puts the three migrations' writes on one time axis, downtime marked on each.
    const index = readFileSync(join(out, 'index.html'), 'utf8');
    expect(index).toContain('id="migration-timeline"');
    for (const drill of Object.keys(PROCEDURES))
      expect(index).toMatch(new RegExp(`data-drill="${drill}"[^>]*data-downtime="${downtime(drill)}"`));
    expect(processesMentioning(work)).toEqual([]);
  });
});
