import type { Journal, JournalEvent, ObjectiveResult } from '../harness/engine/journal.js';
import type { FaultSpec, Scenario } from '../harness/scenario/schema.js';
import { migrationSummary } from './migration-summary.js';
import { restoreTestSentences } from './restore-test-summary.js';
import { formatClock, formatCount, formatDate, formatMetric, formatSeconds, metricLabel } from './format.js';

/**
 * The plain-words account of a drill, for an auditor who does not read SQL:
 * what broke and when, how long recovery took, what was lost, and whether the objectives were met.
 */
export function plainSummary(journal: Journal): string[] {
  if (journal.scenario.parsed.kind === 'Migration') return migrationSummary(journal);
  if (journal.scenario.parsed.kind === 'RestoreTest')
    return [
      ...restoreTestSentences(journal),
      ...journal.objectives.map(objectiveSentence),
      checksSentence(journal),
      verdictSentence(journal),
    ];
  return [
    faultSentence(journal),
    detectionSentence(journal),
    recoverySentence(journal),
    dataLossSentence(journal),
    ...journal.objectives.map(objectiveSentence),
    checksSentence(journal),
    verdictSentence(journal),
  ].filter((s): s is string => !!s);
}

/** The procedure in words: as the engine recorded it, else as this version knows it. */
export function procedureOf(journal: Journal): string {
  const parsed = journal.scenario.parsed;
  if (parsed.kind === 'RestoreTest') {
    const id = journal.measurements.backup?.id;
    return `a restore test of the ${parsed.source.format.type} backup${id ? ` ${id}` : ''}`;
  }
  const title = journal.measurements.recovery?.title;
  // Journals from before the title was recorded name the procedure only.
  if (parsed.kind === 'Migration')
    return journal.measurements.migration?.title ?? `the ${parsed.migration.procedure} procedure`;
  return typeof title === 'string' ? title : `the ${parsed.recovery.procedure} procedure`;
}

export function faultEvent(journal: Journal): JournalEvent | undefined {
  return journal.events.find((e) => e.kind === 'fault');
}

function faultSentence(journal: Journal): string {
  const spec = drillScenario(journal)?.fault;
  if (!spec)
    return `No fault was injected: this drill checks that the environment, the backups and the checks work (${formatDate(journal.startedAt)}).`;
  const event = faultEvent(journal);
  const when = event ? ` at ${formatClock(event.time)} UTC on ${formatDate(event.time)}` : '';
  if (!event) {
    const reached = journal.phases.find((p) => p.name === 'inject' && p.status !== 'skipped');
    return reached
      ? `The ${spec.type} fault was being injected when the drill stopped; it is not recorded as having taken effect.`
      : `The ${spec.type} fault was never injected: the drill stopped before reaching that step.`;
  }
  return `${faultWords(spec, journal)}${when}.`;
}

function faultWords(spec: FaultSpec, journal: Journal): string {
  const tables = (journal.measurements.fault?.tables as string[] | undefined) ?? [];
  switch (spec.type) {
    case 'accidental-delete': {
      const sql = spec.sql.trim();
      const table = tables[0] ?? /\b(?:FROM|TABLE)\s+([\w.]+)/i.exec(sql)?.[1] ?? 'a';
      if (/^DROP/i.test(sql)) return `The ${table} table was dropped (\`${sql}\`)`;
      if (/^TRUNCATE/i.test(sql)) return `The ${table} table was emptied (\`${sql}\`)`;
      if (/^UPDATE/i.test(sql))
        return /\bWHERE\b/i.test(sql)
          ? `Rows of the ${table} table were changed (\`${sql}\`)`
          : `Every row of the ${table} table was changed by an UPDATE without WHERE (\`${sql}\`)`;
      return /\bWHERE\b/i.test(sql)
        ? `Rows of the ${table} table were deleted (\`${sql}\`)`
        : `Every row of the ${table} table was deleted (\`${sql}\`)`;
    }
    case 'corruption':
      return `Data pages of the ${spec.table} table were corrupted on disk (${spec.bytes} bytes overwritten in its ${spec.target})`;
    case 'disk-full':
      return `The ${spec.target === 'wal' ? 'WAL' : 'data'} volume ran out of space`;
    case 'cluster-loss':
      return 'The whole database cluster was lost (its data directory and WAL were deleted)';
    case 'primary-failure':
      return `The primary server was killed (${spec.signal})`;
    case 'archive-failure':
      return 'The object store became unreachable, so WAL archiving failed while writes went on';
    case 'sql':
      return `The user's statements damaged ${spec.damages.join(', ')} (\`${spec.statements.join('; ')}\`)`;
  }
}

/** When the alert went pending and firing, against the fault, and what the drill changed about the rule. */
export function detectionSentence(journal: Journal): string | undefined {
  const d = journal.measurements.detection;
  if (!d) return undefined;
  const relative = (s: number) =>
    s < 0 ? `${formatSeconds(-s)} before the fault` : `${formatSeconds(s)} after the fault`;
  const pending = d.pendingSeconds !== undefined ? `was pending ${relative(d.pendingSeconds)}` : 'never became pending';
  const firing =
    d.firingSeconds !== undefined
      ? ` and firing ${relative(d.firingSeconds)}`
      : `${d.pendingSeconds !== undefined ? ' but' : ', so it'} did not fire within ${d.within}`;
  const shortened = d.for.shortened
    ? ` The drill shortened the rule's "for" from ${d.for.rule} to ${d.for.drill}${d.projectedFiringSeconds !== undefined ? `; with the rule as written it would fire ${formatSeconds(d.projectedFiringSeconds)} after the fault` : ''}.`
    : '';
  return `The alert ${d.alert} ${pending}${firing}.${shortened}`;
}

function recoverySentence(journal: Journal): string | undefined {
  if (!drillScenario(journal)?.fault) return undefined;
  const procedure = procedureOf(journal);
  const rto = journal.measurements.rto;
  const restored = rto?.dataRestoredSeconds;
  const verified =
    rto?.verifiedSeconds !== undefined ? `, and every check was done after ${formatSeconds(rto.verifiedSeconds)}` : '';
  const data =
    restored !== undefined
      ? ` ${capitalise(procedure)} brought the damaged data back ${formatSeconds(restored)} after the fault${verified}.`
      : '';
  if (rto?.outage === 'none') return `Writes never stopped: no write failed after the fault.${data}`;
  if (rto?.outage) {
    const o = rto.outage;
    const back =
      rto.serviceSeconds !== undefined
        ? `the first write was accepted again ${formatSeconds(rto.serviceSeconds)} after the fault`
        : 'writes had not resumed when the drill ended';
    return `Writes failed from ${formatClock(o.from)} UTC (${formatCount(o.failedWrites)} failed ${o.failedWrites === 1 ? 'attempt' : 'attempts'}, first error: ${o.error}); ${back}.${data}`;
  }
  if (rto?.serviceSeconds !== undefined) {
    // Journals written before the outage was recorded.
    return `It was restored in ${formatSeconds(rto.serviceSeconds)} by ${procedure}: the first write was accepted again ${formatSeconds(rto.serviceSeconds)} after the fault${verified}.`;
  }
  const recover = journal.phases.find((p) => p.name === 'recover');
  if (!recover || recover.status === 'skipped') return `The recovery (${procedure}) never started.`;
  if (recover.status !== 'passed')
    return `The recovery (${procedure}) did not finish: ${recover.status}${recover.error ? ` — ${recover.error}` : ''}.`;
  return `The recovery (${procedure}) finished, but service was not confirmed back, so recovery time was not measured.`;
}

/** The name of the procedure the scenario ran: its recovery, or its migration. */
export function procedureName(journal: Journal): string {
  const parsed = journal.scenario.parsed;
  if (parsed.kind === 'Migration') return parsed.migration.procedure;
  if (parsed.kind === 'RestoreTest') return `restore test of ${parsed.source.format.type} backups`;
  return parsed.recovery.procedure;
}

/** The scenario of a kind: Drill journal (every journal written before other kinds existed). */
export function drillScenario(journal: Journal): Scenario | undefined {
  const parsed = journal.scenario.parsed;
  return parsed.kind === 'Drill' ? parsed : undefined;
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function dataLossSentence(journal: Journal): string | undefined {
  const rpo = journal.measurements.rpo;
  if (!rpo || rpo.lostAckedWrites === undefined) {
    return drillScenario(journal)?.fault ? 'Data loss was not measured.' : undefined;
  }
  const byTable = Object.entries(rpo.tables ?? {})
    .filter(([, t]) => t.lost > 0)
    .map(([table, t]) => `${table} ${formatCount(t.lost)}`);
  const perTable = byTable.length ? ` Lost writes per table: ${byTable.join(', ')}.` : '';
  if (rpo.lostBeforeTarget !== undefined) {
    const before =
      rpo.lostBeforeTarget === 0
        ? 'No acknowledged write from before the recovery point was lost'
        : `${formatCount(rpo.lostBeforeTarget)} acknowledged writes from before the recovery point were lost`;
    const point = rpo.recoveryPoint ? ` (the recovery point: ${rpo.recoveryPoint.description})` : '';
    const discarded = rpo.discardedAfterTarget
      ? `; ${formatCount(rpo.discardedAfterTarget)} writes acknowledged after it were discarded${point || ' by the point-in-time restore, as intended'}`
      : point;
    return `${before}${discarded}.${perTable}`;
  }
  if (rpo.lostAckedWrites === 0) return 'No acknowledged write was lost.';
  const span = rpo.lostSeconds ? ` (written over ${formatSeconds(rpo.lostSeconds)})` : '';
  const seqs = rpo.firstLostSeq !== undefined ? `, ledger seq ${rpo.firstLostSeq}–${rpo.lastLostSeq}` : '';
  return `${formatCount(rpo.lostAckedWrites)} acknowledged ${rpo.lostAckedWrites === 1 ? 'write was' : 'writes were'} lost${span}${seqs}.${perTable}`;
}

export function objectiveSentence(o: ObjectiveResult): string {
  const label = metricLabel(o.metric);
  const expr = `${label} ${o.comparator} ${formatMetric(o.metric, o.threshold)}`;
  if (o.status === 'met') return `Objective ${expr} met (measured ${formatMetric(o.metric, o.actual)}).`;
  if (o.status === 'missed') return `Objective ${expr} missed (measured ${formatMetric(o.metric, o.actual)}).`;
  return `Objective ${expr} could not be assessed: it was not measured.`;
}

export function checksSentence(journal: Journal): string {
  const total = journal.checks.length;
  if (total === 0) return 'No data check ran.';
  const bad = journal.checks.filter((c) => c.status === 'failed' || c.status === 'error');
  if (bad.length === 0) return total === 1 ? 'The 1 data check passed.' : `All ${total} data checks passed.`;
  return `${bad.length} of ${total} checks did not pass: ${bad.map((c) => `${c.name}${c.message ? ` (${c.message})` : ''}`).join('; ')}.`;
}

export function verdictSentence(journal: Journal): string {
  const why = journal.reason ? `: ${journal.reason}` : '';
  switch (journal.verdict) {
    case 'passed':
      return 'Verdict: passed.';
    case 'failed':
      return `Verdict: failed${why}.`;
    case 'error':
      return `Verdict: error — the drill could not complete its checks, so nothing after that point was proven${why}.`;
    case 'interrupted':
      return `Verdict: interrupted — the drill was stopped before it finished, so recovery was not proven${why}.`;
    case 'timedout':
      return `Verdict: timed out — the drill exceeded its deadline${why}.`;
    case 'skipped':
      return `Verdict: skipped — the drill could not run on this machine${why}.`;
  }
}
