import { existsSync } from 'node:fs';
import { AWS_CLI, checked, drdrillPitr, rawScriptPitr, type RecoveryRun } from './contenders.js';
import { median, round } from './drill.js';
import { faultedDrill, type FaultedDrill } from './faulted-drill.js';
import { scaleForGB, sizesFromEnv } from './sizes.js';
import { prefetchField } from '../harness/recoveries/target.js';
import type { OverheadResult, Outcome, SetupFacts, WalPrefetchResult } from './results.js';

export const accidentalDeleteScenario = (name: string, scale: number, extra = '') => `apiVersion: drdrill/v1
kind: Drill
metadata: { name: ${name} }
deadline: 6h
environment: { postgres: { settings: { archive_timeout: "10s" } }${extra} }
dataset: { scale: ${scale} }
workload: { ledger: { rate: 100 }, before: 5s, after: 0s }
backup: [ { method: basebackup, archiveWal: true } ]
fault: { type: accidental-delete, sql: DELETE FROM customers }
recovery: { procedure: pitr }
verify: [ { rowCounts: baseline }, { ledger: until-target } ]
`;

const ROUNDS = Number(process.env.DRDRILL_BENCH_ROUNDS ?? 3);
const PREFETCH = [0, 2, 4, 8, 16];

/**
 * P1, overhead: drdrill's PITR against bench/raw/pitr.sh (aws CLI, tar, restore_command with aws s3 cp, the same
 * xid, promote, one count) on the same base backup, WAL archive and target, alternating which goes first.
 * Both are timed from the first recovery step (the fault is committed and its WAL archived) to the promoted
 * primary answering the count. Also: drdrill's PITR with several WAL prefetch depths on the same WAL.
 */
export async function overheadBench(): Promise<Outcome<OverheadResult>> {
  if (!existsSync(AWS_CLI)) return { skipped: `${AWS_CLI} is missing (apt-get install awscli)` };
  const [gb] = sizesFromEnv('DRDRILL_BENCH_GB', [1]);
  const f = await faultedDrill(accidentalDeleteScenario('bench-overhead', scaleForGB(gb!)));
  try {
    const expected = Number(f.drill.fault?.rowsAffected);
    const drdrill: RecoveryRun[] = [];
    const raw: RecoveryRun[] = [];
    const defaultPrefetch = prefetchField.parse(undefined);
    for (let round = 0; round < ROUNDS; round++) {
      const both = [
        async () => drdrill.push(checked(await drdrillPitr(f, `drdrill-${round}`, defaultPrefetch), expected)),
        async () => raw.push(checked(await rawScriptPitr(f, `raw-${round}`), expected)),
      ];
      for (const run of round % 2 ? both.reverse() : both) await run();
      progress(`P1 round ${round + 1}: drdrill ${drdrill.at(-1)!.seconds} s, raw script ${raw.at(-1)!.seconds} s`);
    }
    const walPrefetch = await prefetchRuns(f, expected);
    const d = median(drdrill.map((r) => r.seconds));
    const s = median(raw.map((r) => r.seconds));
    return {
      ...setupFacts(f, gb!),
      rowsBeforeFault: expected,
      drdrill: {
        prefetch: defaultPrefetch,
        runs: drdrill.map((r) => r.seconds),
        median: d,
        steps: medianSteps(drdrill),
      },
      rawScript: { script: 'bench/raw/pitr.sh', runs: raw.map((r) => r.seconds), median: s },
      ratio: round(d / s),
      target: '<= 1.10 (aim < 1.0)',
      walPrefetch,
    };
  } finally {
    await f.close();
  }
}

async function prefetchRuns(f: FaultedDrill, expected: number): Promise<WalPrefetchResult> {
  const byDepth: { prefetch: number; runs: number[]; replay: number[] }[] = PREFETCH.map((p) => ({
    prefetch: p,
    runs: [],
    replay: [],
  }));
  for (let round = 0; round < Math.max(1, ROUNDS - 1); round++)
    for (const entry of round % 2 ? [...byDepth].reverse() : byDepth) {
      const r = checked(await drdrillPitr(f, `prefetch-${entry.prefetch}-${round}`, entry.prefetch), expected);
      entry.runs.push(r.seconds);
      entry.replay.push(r.steps.replay!);
      progress(`WAL prefetch ${entry.prefetch}: ${r.seconds} s (replay ${r.steps.replay} s)`);
    }
  const rows = byDepth.map((e) => ({ ...e, median: median(e.runs), replayMedian: median(e.replay) }));
  const none = rows.find((r) => r.prefetch === 0)!;
  const best = rows.reduce((a, b) => (b.replayMedian < a.replayMedian ? b : a));
  return {
    walBytes: f.walBytes,
    depths: rows,
    best: best.prefetch,
    replaySpeedupOfBest: round(none.replayMedian / best.replayMedian),
  };
}

function medianSteps(runs: RecoveryRun[]): Record<string, number> {
  const names = Object.keys(runs[0]?.steps ?? {});
  return Object.fromEntries(names.map((n) => [n, median(runs.map((r) => r.steps[n]!))]));
}

export function setupFacts(f: FaultedDrill, gb: number): SetupFacts {
  return {
    requestedGB: gb,
    scale: f.drill.scenario.dataset.scale,
    datasetBytes: f.datasetBytes,
    datasetGB: round(f.datasetBytes / 1e9),
    walBytes: f.walBytes,
    walSegments: Math.ceil(f.walBytes / (16 * 1024 * 1024)),
    setupSeconds: f.seconds,
  };
}

export function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}
