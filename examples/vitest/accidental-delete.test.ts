// The nightly restore test of a team whose runbook for "someone deleted the customers" is: restore a side
// instance to just before the DELETE and copy the rows back, keeping every write made since.
import { defineDrill } from 'drdrill';
import { expect, test } from 'drdrill/vitest';

const undelete = defineDrill({
  apiVersion: 'drdrill/v1',
  kind: 'Drill',
  metadata: { name: 'customers-undelete', tags: ['pitr', 'nightly'], owner: 'team-payments' },
  objectives: { rto: '< 120s', rpo: '= 0 rows' },
  deadline: '5m',
  environment: { postgres: { settings: { archive_timeout: '10s' } } },
  dataset: { fixture: 'shop', scale: 300 },
  workload: { ledger: { rate: 50 }, before: '2s', after: '1s' },
  backup: [{ method: 'basebackup', archiveWal: true }],
  fault: { type: 'accidental-delete', sql: 'DELETE FROM customers' },
  recovery: { procedure: 'undelete', target: { type: 'before-fault' } },
  verify: [
    { rowCounts: 'baseline' },
    { fingerprint: ['customers', 'orders', 'order_items', 'payments'] },
    { ledger: 'complete' },
  ],
});

test(
  'an accidental DELETE FROM customers is undone without losing a write',
  { timeout: 360_000 },
  async ({ drill }) => {
    const journal = await drill.run(undelete);
    expect(journal).toPass();
    expect(journal).toMeetObjectives();
    expect(journal).toLoseNoAcknowledgedWrites();
    expect(journal).toRecoverWithin(120);
    // The journal is typed: measurements are there for your own thresholds.
    expect(journal.measurements.rto?.dataRestoredSeconds).toBeLessThan(120);
  },
);
