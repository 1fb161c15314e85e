import { readFile } from 'node:fs/promises';
import type { Journal } from '../harness/engine/journal.js';
import { lsnToNumber } from '../harness/wal/segments.js';
import { drill, fitLine, round } from './drill.js';
import { progress } from './overhead.js';
import { scaleForGB, sizesFromEnv } from './sizes.js';
import type { ScaleMetric, ScalePoint, ScaleResult } from './results.js';

const scenario = (name: string, scale: number) => `apiVersion: drdrill/v1
kind: Drill
metadata: { name: ${name} }
deadline: 12h
environment: { postgres: { settings: { archive_timeout: "10s" } } }
dataset: { scale: ${scale} }
workload: { ledger: { rate: 100 }, before: 5s, after: 2s }
backup: [ { method: basebackup, archiveWal: true } ]
fault: { type: accidental-delete, sql: DELETE FROM customers }
recovery: { procedure: pitr }
verify: [ { rowCounts: baseline }, { ledger: until-target } ]
`;

/**
 * P4, scale: the accidental-delete drill, run by the CLI like a user runs it, at 0.1, 1 and 5 GB of data
 * (DRDRILL_BENCH_SIZES="0.1,1" picks some). Points of sizes not run this time are kept from the last results,
 * so the 5 GB run can be done once. Each metric gets a least-squares line: seconds per GB.
 */
export async function scaleBench(previousFile: string): Promise<ScaleResult> {
  const sizes = sizesFromEnv('DRDRILL_BENCH_SIZES', [0.1, 1, 5]);
  const previous = await readFile(previousFile, 'utf8').then(
    (t) => (JSON.parse(t) as { scale?: { points?: ScalePoint[] } }).scale?.points ?? [],
    () => [] as ScalePoint[],
  );
  const points = new Map(previous.map((p) => [p.requestedGB, p]));
  for (const gb of sizes) {
    const scale = scaleForGB(gb);
    progress(`P4: accidental-delete at ${gb} GB (scale ${scale})`);
    const name = `bench-scale-${String(gb).replace('.', '-')}gb`;
    const point = pointOf(gb, scale, drill(name, scenario(name, scale)));
    points.set(gb, point);
    progress(`P4 ${gb} GB: ${point.verdict}, RTO verified ${point.seconds.rtoVerified} s`);
  }
  const sorted = [...points.values()].sort((a, b) => a.requestedGB - b.requestedGB);
  const fit = (metric: ScaleMetric) =>
    fitLine(
      sorted
        .filter((p) => p.verdict === 'passed' && p.datasetGB !== null && p.seconds[metric] !== null)
        .map((p) => [p.datasetGB!, p.seconds[metric]!]),
    );
  return {
    points: sorted,
    secondsPerGB: {
      backup: fit('backup'),
      restore: fit('restore'),
      rtoService: fit('rtoService'),
      rtoDataRestored: fit('rtoDataRestored'),
      rtoVerified: fit('rtoVerified'),
    },
  };
}

function pointOf(gb: number, scale: number, j: Journal): ScalePoint {
  const phase = (name: string) => j.phases.find((p) => p.name === name && p.status === 'passed')?.seconds ?? null;
  const step = (name: string) => j.measurements.rto?.phases?.find((p) => p.name === name)?.seconds ?? null;
  const bytes = (j.measurements.dataset as { bytes?: number } | undefined)?.bytes ?? null;
  const backup = j.backups[0];
  const faultLsn = (j.measurements.fault as { lsn?: string } | undefined)?.lsn;
  const fetch = step('fetch-base-backup');
  const replay = step('replay-wal');
  return {
    requestedGB: gb,
    scale,
    verdict: j.verdict,
    ...(j.reason ? { reason: j.reason } : {}),
    datasetBytes: bytes,
    datasetGB: bytes === null ? null : round(bytes / 1e9),
    backupBytes: backup?.bytes ?? null,
    walReplayedBytes:
      backup?.startLsn && faultLsn ? Number(lsnToNumber(faultLsn) - lsnToNumber(backup.startLsn)) : null,
    seconds: {
      seed: phase('seed'),
      backup: phase('backup'),
      fetch,
      replay,
      restore: fetch !== null && replay !== null ? round(fetch + replay) : null,
      rtoService: j.measurements.rto?.serviceSeconds ?? null,
      rtoDataRestored: j.measurements.rto?.dataRestoredSeconds ?? null,
      rtoVerified: j.measurements.rto?.verifiedSeconds ?? null,
    },
    drillSeconds: j.seconds,
    measuredAt: j.startedAt,
  };
}
