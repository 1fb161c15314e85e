import type { Journal, Verdict } from '../../harness/engine/journal.js';
import { formatCount, formatDateTime, formatSeconds, statusSymbol, verdictWord } from '../format.js';
import { migrationTimeline } from '../charts/migrations.js';
import type { SuiteEntry, SuiteLinks } from '../types.js';

const VERDICTS: Verdict[] = ['passed', 'failed', 'error', 'interrupted', 'timedout', 'skipped'];

export function suiteView(
  entries: SuiteEntry[],
  links: SuiteLinks,
  reportFile: string,
  opts: { charts: boolean } = { charts: false },
) {
  const counts = VERDICTS.map((v) => ({
    verdict: v,
    count: entries.filter((e) => e.journal.verdict === v).length,
  })).filter((c) => c.count > 0);
  const allPassed = entries.length > 0 && entries.every((e) => e.journal.verdict === 'passed');
  return {
    title: `drdrill: ${entries.length} ${entries.length === 1 ? 'drill' : 'drills'}`,
    verdict: allPassed
      ? 'passed'
      : entries.some((e) => e.journal.verdict === 'failed')
        ? 'failed'
        : entries.length
          ? 'error'
          : 'skipped',
    headline: allPassed
      ? 'ALL DRILLS PASSED'
      : `${entries.filter((e) => e.journal.verdict !== 'passed').length} OF ${entries.length} DRILLS DID NOT PASS`,
    counts: counts.map((c) => `${c.count} ${c.verdict}`).join(', '),
    links,
    migrationSvg: opts.charts ? migrationTimeline(entries.map((e) => e.journal)) : '',
    migrations: entries
      .filter((e) => e.journal.scenario.parsed.kind === 'Migration')
      .map(({ journal }) => {
        const m = journal.measurements.migration;
        return {
          drill: journal.drill,
          procedure: m?.procedure ?? '—',
          downtime: formatSeconds(m?.writeDowntimeSeconds),
          lag: formatSeconds(m?.lagAtCutoverSeconds),
          copy: m?.copy ? `${formatSeconds(m.copy.seconds)} (${formatCount(m.copy.rowsPerSecond)} rows/s)` : '—',
          lost:
            journal.measurements.rpo?.lostAckedWrites === undefined
              ? '—'
              : formatCount(journal.measurements.rpo.lostAckedWrites),
        };
      }),
    drills: entries.map(({ journal, dir }) => ({
      drill: journal.drill,
      href: `${dir}/${reportFile}`,
      verdict: journal.verdict,
      verdictWord: verdictWord(journal.verdict),
      symbol: statusSymbol(journal.verdict),
      reason: journal.reason ?? '',
      startedAt: formatDateTime(journal.startedAt),
      detect: timeToDetect(journal),
      rto: formatSeconds(journal.measurements.rto?.serviceSeconds),
      rpo:
        journal.measurements.rpo?.lostAckedWrites === undefined
          ? '—'
          : formatCount(journal.measurements.rpo.lostAckedWrites),
      objectives: journal.objectives.length
        ? `${journal.objectives.filter((o) => o.status === 'met').length}/${journal.objectives.length} met`
        : 'none set',
    })),
  };
}

/** The alert's firing time after the fault, naming the alert; "not fired" when it never fired; "—" without detect. */
function timeToDetect(journal: Journal): string {
  const d = journal.measurements.detection;
  if (!d) return '—';
  if (d.firingSeconds === undefined) return `${d.alert} not fired within ${d.within}`;
  return `${formatSeconds(d.firingSeconds)} (${d.alert}${d.for.shortened ? `, for ${d.for.drill} instead of ${d.for.rule}` : ''})`;
}
