import { esc, n, svgOpen, ticks } from '../reports/charts/svg.js';
import {
  figures,
  type BenchResults,
  type Conditions,
  type EnvironmentsResult,
  type FoundationResult,
  type OverheadResult,
  type Part,
  type ScaleMetric,
  type ScaleResult,
  type SetupFacts,
  type SuiteResult,
  type ThroughputResult,
} from './results.js';

const num = (v: number | null | undefined, digits = 2) =>
  typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–';
const ratio = (v: number, target: string) => `**${num(v)}** (target ${target})`;
const runs = (xs: number[]) => xs.map((x) => num(x)).join(', ');

/** bench-results/README.md: every part's table, from results.json alone. */
export function benchReadme(r: BenchResults): string {
  return [
    '# drdrill benchmarks',
    '',
    `Written by \`npm run bench\` from \`results.json\` (last written ${r.measuredAt ?? '?'}, Node ${r.node ?? '?'}). ` +
      'Each ratio is measured side by side in one run on the same data. `npm run bench -- <part>` reruns one ' +
      'part (foundation, environments, overhead, throughput, scale, suite, restoreTests) and keeps the others. Sizes: ' +
      '`DRDRILL_BENCH_GB` (P1, P3; default 1), `DRDRILL_BENCH_SIZES` (P4; default 0.1,1,5), `DRDRILL_BENCH_ROUNDS` ' +
      '(default 3). The load averages say how busy the machine was: other work may share it.',
    '',
    ...section('P1 — overhead against the raw tools', r.overhead, overhead),
    ...section('P3 — restore throughput', r.throughput, throughput),
    ...section('P4 — scale', r.scale, scale),
    ...section('Suite wall time', r.suite, suite),
    ...section('Provision and ledger', r.foundation, foundation),
    ...section('native vs testcontainers', r.environments, environments),
    ...section('Restore tests against the raw tools', r.restoreTests, (p) => [
      '```json',
      JSON.stringify(p, null, 2),
      '```',
      '',
    ]),
  ].join('\n');
}

function section<T extends object>(title: string, part: Part<T> | undefined, render: (p: T) => string[]): string[] {
  const f = figures(part);
  const lines = typeof f === 'string' ? [f, ''] : render(f);
  return [`## ${title}`, '', ...lines, ...(part?.conditions ? [conditions(part.conditions), ''] : [])];
}

function conditions(c: Conditions): string {
  return `_Measured ${c.startedAt} on ${c.cpus} CPUs in ${num(c.seconds, 0)} s; 1-minute load average ${num(c.loadStart, 1)} at the start, ${num(c.loadEnd, 1)} at the end._`;
}

function dataset(p: SetupFacts): string {
  return `Dataset: shop at scale ${p.scale}, ${num(p.datasetGB, 3)} GB (pg_database_size); ${num(p.walBytes / 1e6, 0)} MB of WAL from the backup's start to the fault (${p.walSegments} segments).`;
}

function overhead(p: OverheadResult): string[] {
  const steps = Object.entries(p.drdrill.steps)
    .map(([k, v]) => `${k} ${num(v)} s`)
    .join(', ');
  const w = p.walPrefetch;
  return [
    'From the first recovery step (the fault is committed and its WAL archived) to the promoted primary answering ' +
      "the count of the damaged table; each count is checked against the DELETE's. drdrill runs its `pitr` steps " +
      '(archive the current WAL, fetch with sha256, pg_verifybackup, gap check, replay to the target and pause, ' +
      'check the table, promote). The script (`bench/raw/pitr.sh`) runs `aws s3 cp` of the same base backup, `tar`, ' +
      '`restore_command` with `aws s3 cp`, the same xid, promote, one count. They alternate which goes first.',
    '',
    dataset(p),
    '',
    '| | median (s) | runs (s) |',
    '| --- | ---: | --- |',
    `| drdrill PITR (prefetch ${p.drdrill.prefetch}) | ${num(p.drdrill.median)} | ${runs(p.drdrill.runs)} |`,
    `| raw script | ${num(p.rawScript.median)} | ${runs(p.rawScript.runs)} |`,
    `| **ratio drdrill / script** | ${ratio(p.ratio, '<= 1.10')} | |`,
    '',
    `drdrill's steps (median): ${steps}.`,
    '',
    '### WAL prefetch',
    '',
    `drdrill's PITR on the same ${num(w.walBytes / 1e6, 0)} MB of WAL with each prefetch depth (\`recovery.prefetch\`).`,
    '',
    '| prefetch | replay, median (s) | whole PITR, median (s) | runs (s) |',
    '| ---: | ---: | ---: | --- |',
    ...w.depths.map((d) => `| ${d.prefetch} | ${num(d.replayMedian)} | ${num(d.median)} | ${runs(d.runs)} |`),
    '',
    `Fastest replay: prefetch ${w.best}, ${num(w.replaySpeedupOfBest)}× the replay speed without prefetch.`,
    '',
  ];
}

function throughput(p: ThroughputResult): string[] {
  const { fetch: f, restore: r } = p;
  return [
    `One embedded S3 over TLS holds a drdrill base backup (${num(p.backupBytes / 1e6, 0)} MB) and a pgBackRest backup of the same database. ${dataset(p)}`,
    '',
    '| fetch of the base backup | MB/s | runs (s) |',
    '| --- | ---: | --- |',
    `| drdrill: ${f.drdrill.what} | ${num(f.drdrill.MBps, 0)} | ${runs(f.drdrill.runs)} |`,
    `| drdrill: ${f.drdrillSingleGet.what} | ${num(f.drdrillSingleGet.MBps, 0)} | ${runs(f.drdrillSingleGet.runs)} |`,
    `| raw: ${f.rawParallelGet.what} | ${num(f.rawParallelGet.MBps, 0)} | ${runs(f.rawParallelGet.runs)} |`,
    `| **ratio drdrill / raw** | ${ratio(f.ratio, '>= 0.8')} | |`,
    '',
    '| PITR to the same target, promoted, counted | median (s) | runs (s) |',
    '| --- | ---: | --- |',
    `| drdrill | ${num(r.drdrill.median)} | ${runs(r.drdrill.runs)} |`,
    `| pgbackrest restore (${r.pgbackrest.settings}) | ${num(r.pgbackrest.median)} | ${runs(r.pgbackrest.runs)} |`,
    `| **ratio drdrill / pgBackRest** | ${ratio(r.ratio, '<= 1.0')} | |`,
    '',
  ];
}

const SCALE_SERIES: { key: ScaleMetric; label: string; color: string }[] = [
  { key: 'backup', label: 'backup', color: '#6a1b9a' },
  { key: 'restore', label: 'restore (fetch + replay)', color: '#1565c0' },
  { key: 'rtoDataRestored', label: 'RTO, data restored', color: '#e65100' },
  { key: 'rtoVerified', label: 'RTO, verified', color: '#2e7d32' },
];

function scale(p: ScaleResult): string[] {
  const fit = (k: ScaleMetric) => {
    const f = p.secondsPerGB[k];
    return f ? `${num(f.slope)} s/GB + ${num(f.intercept)} s (r² ${num(f.r2)})` : '–';
  };
  return [
    'The accidental-delete drill (`DELETE FROM customers`, cascading to every table; PITR to just before it), run ' +
      'by `drdrill run` as a user runs it. Sizes are measured (pg_database_size after seeding). "restore" is fetch + ' +
      'replay on the RTO timeline; the WAL replayed includes the DELETE itself, up to its commit.',
    '',
    '| data (GB) | verdict | backup (s) | restore (s) | fetch (s) | replay (s) | WAL (MB) | RTO service (s) | RTO data restored (s) | RTO verified (s) | measured |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...p.points.map(
      (x) =>
        `| ${num(x.datasetGB, 3)} | ${x.verdict} | ${num(x.seconds.backup)} | ${num(x.seconds.restore)} | ${num(x.seconds.fetch)} | ${num(x.seconds.replay)} | ${num(x.walReplayedBytes === null ? null : x.walReplayedBytes / 1e6, 0)} | ${num(x.seconds.rtoService)} | ${num(x.seconds.rtoDataRestored)} | ${num(x.seconds.rtoVerified)} | ${x.measuredAt} |`,
    ),
    ...p.points.filter((x) => x.reason).map((x) => `\n${num(x.datasetGB, 3)} GB: ${x.verdict} — ${x.reason}`),
    '',
    '| fitted line (passed drills) | seconds per GB |',
    '| --- | --- |',
    ...SCALE_SERIES.map((s) => `| ${s.label} | ${fit(s.key)} |`),
    '',
    '![Backup, restore and RTO against the size of the data](scale.svg)',
    '',
  ];
}

function suite(p: SuiteResult): string[] {
  const row = (label: string, r: SuiteResult['parallel1']) =>
    `| ${label} | ${num(r.seconds)} | ${r.exitCode} | ${Object.entries(r.verdicts)
      .map(([d, v]) => `${d} ${v}`)
      .join(', ')} |`;
  return [
    'The five core drills in one `drdrill run scenarios/ --tag core`.',
    '',
    '| | wall time (s) | exit code | verdicts |',
    '| --- | ---: | ---: | --- |',
    row('--parallel 1', p.parallel1),
    row('--parallel 2', p.parallel2),
    `| **ratio 2 / 1** | ${num(p.ratio)} | | |`,
    '',
  ];
}

function foundation(p: FoundationResult): string[] {
  return [
    '| | value | target |',
    '| --- | ---: | --- |',
    `| provision (PostgreSQL + S3 ready), median s | ${num(p.provisionSeconds.median)} | ${p.provisionSeconds.target} |`,
    `| ledger writes/s | ${num(p.ledger.writesPerSecond, 0)} | |`,
    `| pgbench single-row inserts/s | ${num(p.ledger.pgbenchSingleInsertTps, 0)} | |`,
    `| ratio ledger / pgbench | ${num(p.ledger.ratio)} | ${p.ledger.target} |`,
    '',
  ];
}

function environments(p: EnvironmentsResult): string[] {
  if (!p.median || !p.ratio) return ['```json', JSON.stringify(p, null, 2), '```', ''];
  return [
    '| | native | testcontainers | ratio |',
    '| --- | ---: | ---: | ---: |',
    `| provision, median s | ${num(p.median.native.provisionMedian)} | ${num(p.median.testcontainers.provisionMedian)} | ${num(p.ratio.provision)} |`,
    `| accidental-delete RTO, median s | ${num(p.median.native.rtoMedian)} | ${num(p.median.testcontainers.rtoMedian)} | ${num(p.ratio.accidentalDeleteRto)} |`,
    '',
  ];
}

const W = 720;
const H = 320;
const L = 56;
const R = 200;
const T = 16;
const B = 40;

/** Seconds against GB: one line per metric through the measured points, dashed over its fitted line. */
export function scaleChart(part: BenchResults['scale']): string {
  const label = 'Backup, restore and RTO of the accidental-delete drill against the size of the data';
  const f = figures(part);
  const p = typeof f === 'string' ? { points: [], secondsPerGB: {} } : f;
  const points = p.points.filter((x) => x.verdict === 'passed' && x.datasetGB !== null);
  const values = points.flatMap((x) => SCALE_SERIES.map((s) => x.seconds[s.key] ?? 0));
  const xTicks = ticks(Math.max(...points.map((x) => x.datasetGB!), 1), 5);
  const yTicks = ticks(Math.max(...values, 1), 5);
  const [xMax, yMax] = [xTicks.at(-1)!, yTicks.at(-1)!];
  const pw = W - L - R;
  const ph = H - T - B;
  const x = (v: number) => L + (v / xMax) * pw;
  const y = (v: number) => T + ph - (Math.min(Math.max(v, 0), yMax) / yMax) * ph;
  const parts = [
    svgOpen('scale', W, H, label).replace('width="100%"', `width="${W}" height="${H}"`),
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
  ];
  for (const v of yTicks)
    parts.push(
      `<line x1="${L}" x2="${L + pw}" y1="${n(y(v))}" y2="${n(y(v))}" stroke="#eeeeee"/>`,
      `<text x="${L - 6}" y="${n(y(v) + 4)}" text-anchor="end" fill="#616161">${esc(`${v} s`)}</text>`,
    );
  for (const v of xTicks)
    parts.push(`<text x="${n(x(v))}" y="${H - B + 16}" text-anchor="middle" fill="#616161">${esc(`${v} GB`)}</text>`);
  parts.push(`<line x1="${L}" x2="${L + pw}" y1="${T + ph}" y2="${T + ph}" stroke="#9e9e9e"/>`);
  SCALE_SERIES.forEach((s, i) => {
    const pts = points.flatMap((q) => (q.seconds[s.key] === null ? [] : [[q.datasetGB!, q.seconds[s.key]!] as const]));
    if (pts.length)
      parts.push(
        `<polyline points="${pts.map(([a, b]) => `${n(x(a))},${n(y(b))}`).join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"/>`,
        ...pts.map(
          ([a, b]) =>
            `<circle cx="${n(x(a))}" cy="${n(y(b))}" r="3.5" fill="${s.color}"><title>${esc(`${s.label}: ${b} s at ${a} GB`)}</title></circle>`,
        ),
      );
    const fit = p.secondsPerGB[s.key];
    if (fit && pts.length > 1) {
      const [a, b] = [Math.min(...pts.map(([g]) => g)), Math.max(...pts.map(([g]) => g))];
      const at = (v: number) => n(y(fit.intercept + fit.slope * v));
      parts.push(
        `<line x1="${n(x(a))}" y1="${at(a)}" x2="${n(x(b))}" y2="${at(b)}" stroke="${s.color}" stroke-dasharray="4 3" opacity="0.6"/>`,
      );
    }
    const ly = T + 14 + i * 18;
    parts.push(
      `<line x1="${W - R + 12}" x2="${W - R + 32}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${W - R + 38}" y="${ly}" fill="#212121">${esc(`${s.label}${fit ? ` ${fit.slope.toFixed(1)} s/GB` : ''}`)}</text>`,
    );
  });
  if (!points.length)
    parts.push(`<text x="${L + 8}" y="${T + 20}" fill="#616161">No passed drill measured yet.</text>`);
  parts.push(
    `<text x="${W - R + 12}" y="${T + 20 + SCALE_SERIES.length * 18}" fill="#757575">dashed: fitted line</text>`,
    '</svg>',
  );
  return parts.join('');
}
