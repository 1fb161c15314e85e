// Deliberately failing (run by harness/api/vitest/failing-example.test.ts in a child vitest, never by
// `npm test` directly): the runbook restores the base backup and replays the WAL archive to its end, which
// replays the DELETE too. The drill says so: the row counts of the damaged tables do not match the baseline.
import { defineDrill } from 'drdrill';
import { expect, test } from 'drdrill/vitest';

const replayToEnd = defineDrill({
  apiVersion: 'drdrill/v1',
  kind: 'Drill',
  metadata: { name: 'replays-the-delete' },
  deadline: '4m',
  environment: { postgres: { settings: { archive_timeout: '10s' } } },
  dataset: { fixture: 'shop', scale: 300 },
  workload: { ledger: { rate: 50 }, before: '2s', after: '0s' },
  backup: [{ method: 'basebackup', archiveWal: true }],
  fault: { type: 'accidental-delete', sql: 'DELETE FROM customers' },
  recovery: { procedure: 'pitr', target: { type: 'end-of-archive' } },
  verify: [{ rowCounts: 'baseline' }, { ledger: 'until-target' }],
});

test('PITR to the end of the archive brings the customers back', { timeout: 300_000 }, async ({ drill }) => {
  expect(await drill.run(replayToEnd)).toPass();
});
