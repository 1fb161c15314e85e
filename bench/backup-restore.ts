import { drill, round } from './drill.js';

const scenario = (
  name: string,
  scale: number,
  prefetch: number,
  rate: string | number,
  before: string,
) => `apiVersion: drdrill/v1
kind: Drill
metadata: { name: ${name} }
deadline: 15m
environment: { postgres: { settings: { archive_timeout: "10s" } } }
dataset: { scale: ${scale} }
workload: { ledger: { rate: ${rate} }, before: ${before}, after: 1s }
backup: [ { method: basebackup, archiveWal: true } ]
fault: { type: accidental-delete, sql: DELETE FROM customers }
recovery: { procedure: pitr, prefetch: ${prefetch} }
verify: [ { rowCounts: baseline }, { ledger: until-target } ]
`;

interface RecoveryFacts {
  seconds: { fetch: number; replay: number; promote: number };
}

/** Accidental-delete RTO at three scales, restore throughput, and WAL replay with and without prefetch. */
export async function backupRestoreBench(): Promise<Record<string, unknown>> {
  const byScale = [];
  for (const scale of [1000, 20000, 80000]) {
    const j = drill(`bench-scale-${scale}`, scenario(`bench-scale-${scale}`, scale, 4, 100, '3s'));
    const rec = j.measurements.recovery as RecoveryFacts | undefined;
    const bytes = j.backups[0]?.bytes ?? 0;
    byScale.push({
      scale,
      verdict: j.verdict,
      backupMB: round(bytes / 1e6),
      rtoServiceSeconds: j.measurements.rto?.serviceSeconds ?? null,
      rtoVerifiedSeconds: j.measurements.rto?.verifiedSeconds ?? null,
      fetchSeconds: rec?.seconds.fetch ?? null,
      restoreMBps: rec ? round(bytes / 1e6 / rec.seconds.fetch) : null,
    });
  }
  const replay: Record<string, unknown> = {};
  for (const prefetch of [0, 8]) {
    const j = drill(
      `bench-prefetch-${prefetch}`,
      scenario(`bench-prefetch-${prefetch}`, 1000, prefetch, '"max"', '20s'),
    );
    const rec = j.measurements.recovery as RecoveryFacts | undefined;
    replay[`prefetch${prefetch}`] = {
      verdict: j.verdict,
      replaySeconds: rec?.seconds.replay ?? null,
      ledgerWrites: j.measurements.ledger?.acked ?? null,
    };
  }
  return { accidentalDeleteByScale: byScale, walReplay: replay };
}
