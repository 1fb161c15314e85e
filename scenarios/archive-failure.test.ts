import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PromSeries } from '../harness/detection/prometheus-api.js';
import { ALERTS_ARTIFACT } from '../harness/detection/spec.js';
import { EXIT_CODES } from '../harness/engine/exit-codes.js';
import { runScenario } from '../harness/testing/drill-run.js';
import { missingAcks, startKeptInstance } from '../harness/testing/kept-instance.js';
import { processesMentioning } from '../harness/testing/processes.js';
import { prometheusToolsOrSkip } from '../harness/testing/prometheus-tools.js';
import { ARCHIVE_CHECK_INSTANCE } from '../harness/verification/archive-restore.js';
import { parseAckFile } from '../harness/workload/ack-files.js';

const tools = prometheusToolsOrSkip('the archive-failure drill', ['prometheus', 'postgresExporter']);

describe.skipIf(Boolean(tools.skip))('archive-failure: the object store goes away while writes go on', () => {
  it('fires WALArchivingLag, loses no acknowledged write, and the archive restores to the newest write', async () => {
    const { r, j, dir, work } = await runScenario('scenarios/archive-failure.yaml', 'archive-failure', { keep: true });
    expect(r.code, r.stdout + r.stderr).toBe(EXIT_CODES.passed);

    // WALArchivingLag fired, in Prometheus's own record as in the journal.
    const d = j.measurements.detection!;
    expect(d.alert).toBe('WALArchivingLag');
    expect(d.firingSeconds!).toBeGreaterThan(d.pendingSeconds!);
    const series = (
      JSON.parse(readFileSync(join(dir, 'artifacts', ALERTS_ARTIFACT), 'utf8')) as { result: PromSeries[] }
    ).result;
    const firing = series.find((s) => s.metric.alertstate === 'firing')!;
    expect(firing.metric).toMatchObject({ alertname: 'WALArchivingLag', job: 'postgres', severity: 'critical' });
    expect(Math.min(...firing.values!.map(([t]) => t * 1000))).toBeCloseTo(Date.parse(d.firingAt!), -1);
    expect(d.changes).toContain('for: 10m → 10s (shortened for the drill)');

    // While the store was down, writes piled up that existed only on the primary; once it was back, they drained.
    const recovered = Date.parse(j.phases.find((p) => p.name === 'recover')!.end);
    const exposure = j.measurements.rpoExposure!;
    const during = exposure.samples.filter((s) => Date.parse(s.at) < recovered - 2000);
    expect(during.length).toBeGreaterThan(10);
    expect(during.at(-1)!.unarchivedWrites).toBeGreaterThan(during[0]!.unarchivedWrites + 500);
    expect(during.at(-1)!.failedCount).toBeGreaterThan(during[0]!.failedCount);
    expect(exposure.samples.at(-1)!.unarchivedWrites).toBeLessThan(exposure.maxUnarchivedWrites / 2);
    const caughtUp = j.checks.find((c) => c.name === 'the archiver caught up once the object store was back')!;
    expect(caughtUp.status).toBe('passed');

    const acks = parseAckFile(readFileSync(join(dir, 'ledger-acks.csv'), 'utf8'));
    // No acknowledged write lost on the primary, counted in the kept database.
    const primary = await startKeptInstance(work, 'primary');
    try {
      expect(await missingAcks(primary.client, join(dir, 'ledger-acks.csv'))).toEqual([]);
    } finally {
      await primary.stop();
    }
    // The restore from the archive reached the newest write acknowledged before the check, with none missing.
    const check = j.checks.find((c) => c.covers?.includes('archive'))!;
    expect(check.status).toBe('passed');
    const newest = Number(/\(seq (\d+)\)$/.exec(check.name)![1]);
    const verifyStart = Date.parse(j.phases.find((p) => p.name === 'verify')!.start);
    expect(newest).toBeGreaterThanOrEqual(Math.max(...acks.filter((a) => a.ackAt < verifyStart).map((a) => a.seq)));
    const restored = await startKeptInstance(work, ARCHIVE_CHECK_INSTANCE);
    try {
      const missing = (await missingAcks(restored.client, join(dir, 'ledger-acks.csv'))).filter((a) => a.seq <= newest);
      expect(missing).toEqual([]);
      const max = await restored.client.query<{ max: string }>('SELECT max(seq)::text AS max FROM drdrill_ledger');
      expect(Number(max.rows[0]!.max)).toBeGreaterThanOrEqual(newest);
    } finally {
      await restored.stop();
    }
    expect(processesMentioning(work)).toEqual([]);
  });
});
