// A drill written in TypeScript, run as a vitest test. The scenario has the same schema, defaults and
// validation as a YAML file; a mistake fails at defineDrill() with the path of the bad field.
import { defineDrill } from 'drdrill';
import { drillTest, expect } from 'drdrill/vitest';

const smoke = defineDrill({
  apiVersion: 'drdrill/v1',
  kind: 'Drill',
  metadata: { name: 'api-smoke', description: 'PostgreSQL, the object store and the ledger work' },
  deadline: '2m',
  dataset: { fixture: 'shop', scale: 300 },
  workload: { ledger: { rate: 50 }, before: '2s', after: '0s' },
  verify: [{ rowCounts: 'baseline' }, { ledger: 'complete' }],
});

// Without a body, drillTest expects the drill to pass; with one, the body says what must hold.
drillTest('the environment, the workload and the checks work', smoke, ({ journal }) => {
  expect(journal).toPass();
  expect(journal).toLoseNoAcknowledgedWrites();
  expect(journal.measurements.ledger?.acked).toBeGreaterThan(50);
});
