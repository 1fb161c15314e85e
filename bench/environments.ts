import { standaloneEnvironment } from '../harness/testing/standalone-env.js';
import { drill, median, round } from './drill.js';
import type { EnvironmentsResult } from './results.js';

const KINDS = ['native', 'testcontainers'] as const;

const accidentalDelete = (name: string) => `apiVersion: drdrill/v1
kind: Drill
metadata: { name: ${name} }
deadline: 10m
environment: { postgres: { settings: { archive_timeout: "10s" } } }
dataset: { scale: 2000 }
workload: { ledger: { rate: 100 }, before: 4s, after: 1s }
backup: [ { method: basebackup, archiveWal: true } ]
fault: { type: accidental-delete, sql: DELETE FROM customers }
recovery: { procedure: pitr }
verify: [ { rowCounts: baseline }, { ledger: until-target } ]
`;

/**
 * The same work on both environments of this machine: provision time (object store + one PostgreSQL
 * accepting connections) and the accidental-delete drill's RTO; ratio = testcontainers / native.
 */
export async function environmentsBench(): Promise<EnvironmentsResult> {
  const out: Record<
    string,
    { provisionSeconds: number[]; rtoServiceSeconds: number[]; verdicts: string[] } | { skipped: string }
  > = {};
  for (const kind of KINDS) {
    const provisionSeconds: number[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const { env, close } = await standaloneEnvironment(`bench-env-${kind}`, kind);
        try {
          const primary = await env.createInstance({ name: 'primary', initdb: true });
          await primary.start();
          provisionSeconds.push((performance.now() - t0) / 1000);
        } finally {
          await close();
        }
      }
    } catch (err) {
      out[kind] = { skipped: (err as Error).message };
      continue;
    }
    const runs = [1, 2, 3].map((i) =>
      drill(`bench-env-${kind}-${i}`, accidentalDelete(`bench-env-${kind}-${i}`), ['--env', kind]),
    );
    out[kind] = {
      provisionSeconds: provisionSeconds.map(round),
      rtoServiceSeconds: runs.map((j) => j.measurements.rto?.serviceSeconds ?? Number.NaN),
      verdicts: runs.map((j) => j.verdict),
    };
  }
  const n = out.native;
  const t = out.testcontainers;
  if (!n || 'skipped' in n || !t || 'skipped' in t) return out;
  const summary = (x: typeof n) => ({
    provisionMedian: round(median(x.provisionSeconds)),
    rtoMedian: round(median(x.rtoServiceSeconds)),
  });
  return {
    ...out,
    median: { native: summary(n), testcontainers: summary(t) },
    ratio: {
      provision: round(median(t.provisionSeconds) / median(n.provisionSeconds)),
      accidentalDeleteRto: round(median(t.rtoServiceSeconds) / median(n.rtoServiceSeconds)),
    },
  };
}
