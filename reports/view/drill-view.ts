import type { CheckRecord, Journal } from '../../harness/engine/journal.js';
import { detectionChart } from '../charts/detection.js';
import { ganttChart } from '../charts/gantt.js';
import { ledgerChart } from '../charts/ledger.js';
import {
  formatBytes,
  formatCount,
  formatDateTime,
  formatMetric,
  formatSeconds,
  metricLabel,
  statusSymbol,
  verdictWord,
} from '../format.js';
import { auditOf } from '../../harness/evidence/audit-record.js';
import { restoreTestHeadline } from '../restore-test-summary.js';
import { plainSummary, procedureOf } from '../summary.js';
import { ALERTS_ARTIFACT } from '../../harness/detection/spec.js';

/** Everything a drill template shows, computed from the journal alone. */
/** How a report names each kind of scenario. */
const KIND_WORDS: Record<Journal['scenario']['parsed']['kind'], string> = {
  Drill: 'Drill',
  Migration: 'Migration',
  RestoreTest: 'Restore test',
};

export function drillView(journal: Journal, opts: { charts: boolean }) {
  const scenario = journal.scenario.parsed;
  const rto = journal.measurements.rto;
  const rpo = journal.measurements.rpo;
  const detection = journal.measurements.detection;
  // A simulated cluster times nothing real: its numbers never appear as a recovery time.
  const rtoValue = (s: number | undefined) => (journal.simulated ? 'not measured (simulated)' : formatSeconds(s));
  return {
    simulated: journal.simulated === true,
    drill: journal.drill,
    description: scenario.metadata.description,
    tags: scenario.metadata.tags,
    verdict: journal.verdict,
    verdictWord: verdictWord(journal.verdict),
    verdictSymbol: statusSymbol(journal.verdict),
    reason: journal.reason,
    startedAt: formatDateTime(journal.startedAt),
    finishedAt: formatDateTime(journal.finishedAt),
    duration: formatSeconds(journal.seconds),
    drdrillVersion: journal.drdrillVersion,
    schemaVersion: journal.schemaVersion,
    summary: plainSummary(journal),
    kind: KIND_WORDS[scenario.kind],
    fault: scenario.kind === 'Drill' && scenario.fault ? scenario.fault.type : 'none',
    procedure: procedureOf(journal),
    procedureLine:
      scenario.kind === 'Migration'
        ? `migration: ${procedureOf(journal)}`
        : scenario.kind === 'RestoreTest'
          ? procedureOf(journal)
          : `fault: ${scenario.fault ? scenario.fault.type : 'none'} · recovery: ${procedureOf(journal)}`,
    headline:
      scenario.kind === 'Migration'
        ? migrationHeadline(journal)
        : scenario.kind === 'RestoreTest'
          ? restoreTestHeadline(journal)
          : [
              ...(detection
                ? [
                    {
                      label: `time to detect (${detection.alert} firing)`,
                      value:
                        detection.firingSeconds !== undefined ? formatSeconds(detection.firingSeconds) : 'not fired',
                      id: 'time-to-detect',
                    },
                  ]
                : []),
              {
                label: 'RTO (service back)',
                value: `${rtoValue(rto?.serviceSeconds)}${rto?.outage === 'none' && !journal.simulated ? ' (writes never stopped)' : ''}`,
                id: 'rto-service',
              },
              ...(rto?.dataRestoredSeconds !== undefined
                ? [{ label: 'RTO (data restored)', value: rtoValue(rto.dataRestoredSeconds), id: 'rto-data-restored' }]
                : []),
              { label: 'RTO (data verified)', value: rtoValue(rto?.verifiedSeconds), id: 'rto-verified' },
              {
                label: 'RPO (acknowledged writes lost)',
                value: rpo?.lostAckedWrites === undefined ? '—' : formatCount(rpo.lostAckedWrites),
                id: 'rpo-lost',
              },
              ...(rpo?.lostBeforeTarget !== undefined
                ? [
                    {
                      label: 'lost before recovery target',
                      value: formatCount(rpo.lostBeforeTarget),
                      id: 'rpo-before-target',
                    },
                  ]
                : []),
            ],
    objectives: journal.objectives.map((o) => ({
      label: metricLabel(o.metric),
      source: o.source,
      threshold: `${o.comparator} ${formatMetric(o.metric, o.threshold)}`,
      actual: formatMetric(o.metric, o.actual),
      status: o.status,
      symbol: statusSymbol(o.status),
    })),
    record: recordView(journal),
    rtoPhases: journal.simulated
      ? []
      : (rto?.phases ?? []).map((p) => ({ name: p.name, seconds: formatSeconds(p.seconds) })),
    phases: journal.phases.map((p) => ({
      name: p.name,
      status: p.status,
      symbol: statusSymbol(p.status),
      seconds: p.status === 'skipped' ? '—' : formatSeconds(p.seconds),
      start: p.status === 'skipped' ? '—' : formatDateTime(p.start),
      error: p.error,
    })),
    ganttSvg: opts.charts ? ganttChart(journal) : '',
    detection: detectionView(journal, opts),
    exposure: exposureView(journal),
    ledgerSvg: opts.charts ? ledgerChart(journal) : '',
    ledger: ledgerView(journal),
    checks: journal.checks.map(checkView),
    events: journal.events.map((e) => ({
      time: formatDateTime(e.time),
      t: formatSeconds(e.t),
      kind: e.kind,
      message: e.message,
    })),
    environment: environmentView(journal),
    backups: journal.backups.map((b) => ({
      id: b.id,
      method: b.method,
      size: formatBytes(b.bytes),
      bytes: formatCount(b.bytes),
      sha256: b.sha256 ?? '—',
      startedAt: formatDateTime(b.startedAt),
      finishedAt: formatDateTime(b.finishedAt),
      lsn: b.startLsn ? `${b.startLsn} → ${b.stopLsn ?? '?'}` : '—',
      timeline: b.timeline ?? '—',
      label: b.label,
      objects: b.objects.map((o) => ({ key: o.key, size: formatBytes(o.bytes), sha256: o.sha256 })),
    })),
    artifacts: journal.artifacts,
    scenarioFile: journal.scenario.file,
    scenarioSha256: journal.scenario.sha256,
    scenarioSource: journal.scenario.source,
  };
}

export type DrillView = ReturnType<typeof drillView>;

/** The alert the drill waited for: when it went pending and firing, and how the drill's rule differs. */
function detectionView(journal: Journal, opts: { charts: boolean }) {
  const d = journal.measurements.detection;
  if (!d) return undefined;
  const relative = (s: number | undefined) =>
    s === undefined ? 'never' : s < 0 ? `${formatSeconds(-s)} before the fault` : `${formatSeconds(s)} after the fault`;
  const artifact = journal.artifacts.find((a) => a.name === ALERTS_ARTIFACT);
  return {
    alert: d.alert,
    svg: opts.charts ? detectionChart(journal) : '',
    fired: d.firingSeconds !== undefined,
    shortened: d.for.shortened,
    forNote: d.for.shortened
      ? `The drill shortened the rule's for from ${d.for.rule} to ${d.for.drill}${d.projectedFiringSeconds !== undefined ? `: with the rule as written, the alert would fire ${formatSeconds(d.projectedFiringSeconds)} after the fault` : ''}.`
      : undefined,
    rows: [
      { key: 'Alert', value: `${d.alert} (${d.rules})`, id: 'alert' },
      { key: 'Fault', value: formatDateTime(d.faultAt), id: 'fault-at' },
      {
        key: 'Pending',
        value: d.pendingAt ? `${formatDateTime(d.pendingAt)} — ${relative(d.pendingSeconds)}` : 'never',
        id: 'pending',
      },
      {
        key: 'Firing',
        value: d.firingAt ? `${formatDateTime(d.firingAt)} — ${relative(d.firingSeconds)}` : `not within ${d.within}`,
        id: 'firing',
      },
      { key: 'Had to fire within', value: d.within, id: 'within' },
      {
        key: 'for',
        value: d.for.shortened ? `${d.for.drill} in the drill (the rule says ${d.for.rule})` : d.for.drill,
        id: 'for',
      },
      { key: 'Evaluated every', value: formatSeconds(d.evaluationIntervalSeconds), id: 'interval' },
    ],
    changes: d.changes,
    expression: d.expression.trim(),
    evidence: artifact?.path,
  };
}

/** Writes that existed only on the primary while WAL archiving failed, over time. */
function exposureView(journal: Journal) {
  const e = journal.measurements.rpoExposure;
  if (!e) return undefined;
  const every = Math.max(1, Math.ceil(e.samples.length / 20));
  return {
    maxWrites: formatCount(e.maxUnarchivedWrites),
    maxSeconds: formatSeconds(e.maxOldestSeconds),
    samples: e.samples
      .filter((_, i) => i % every === 0 || i === e.samples.length - 1)
      .map((s) => ({
        t: formatSeconds(s.t),
        writes: formatCount(s.unarchivedWrites),
        oldest: formatSeconds(s.oldestSeconds),
        ready: formatCount(s.readySegments),
        lastArchived: s.lastArchivedWal ?? '—',
        failed: formatCount(s.failedCount),
      })),
  };
}

/** A migration's figures: the write downtime, the lag at cutover, the copy, what was lost or differs. */
function migrationHeadline(journal: Journal): { label: string; value: string; id: string }[] {
  const m = journal.measurements.migration;
  const rpo = journal.measurements.rpo;
  return [
    { label: 'write downtime at the switch', value: formatSeconds(m?.writeDowntimeSeconds), id: 'migration-downtime' },
    ...(m?.lagAtCutoverSeconds !== undefined
      ? [{ label: 'replication lag at cutover', value: formatSeconds(m.lagAtCutoverSeconds), id: 'migration-lag' }]
      : []),
    {
      label: 'copy throughput',
      value: m?.copy ? `${formatBytes(m.copy.bytesPerSecond)}/s, ${formatCount(m.copy.rowsPerSecond)} rows/s` : '—',
      id: 'migration-copy',
    },
    {
      label: 'acknowledged writes lost on the target',
      value: rpo?.lostAckedWrites === undefined ? '—' : formatCount(rpo.lostAckedWrites),
      id: 'rpo-lost',
    },
    {
      label: 'rows differing old vs new',
      value: m?.divergentRows === undefined ? '—' : formatCount(m.divergentRows),
      id: 'migration-divergent',
    },
  ];
}

function checkView(c: CheckRecord) {
  return {
    name: c.name,
    status: c.status,
    symbol: statusSymbol(c.status),
    message: c.message,
    evidence: Object.entries(c.evidence).map(([key, value]) => ({
      key,
      value: typeof value === 'string' ? value : JSON.stringify(value, null, 2),
    })),
  };
}

function ledgerView(journal: Journal) {
  const l = journal.measurements.ledger;
  if (!l) return undefined;
  return {
    acked: formatCount(l.acked),
    failedAttempts: formatCount(l.failedAttempts),
    ambiguous: formatCount(l.ambiguous),
    outages: l.outages.map((o) => ({
      from: formatDateTime(o.from),
      to: o.to ? formatDateTime(o.to) : 'end of drill',
      seconds: formatSeconds(o.seconds),
      error: o.error,
    })),
  };
}

function environmentView(journal: Journal) {
  const env = journal.environment;
  if (!env) return undefined;
  return {
    rows: [
      { key: 'environment', value: env.kind },
      { key: 'PostgreSQL', value: env.postgres.version },
      { key: 'server_version_num', value: String(env.postgres.versionNum) },
      ...(env.postgres.binDir ? [{ key: 'binaries', value: env.postgres.binDir }] : []),
      {
        key: 'object store',
        value: `${env.objectStore.kind} ${env.objectStore.endpoint} bucket ${env.objectStore.bucket}${env.objectStore.prefix ? ` prefix ${env.objectStore.prefix}` : ''}`,
      },
      { key: 'host', value: `${env.host.platform}/${env.host.arch}, ${env.host.cpus} CPUs, Node.js ${env.host.node}` },
      { key: 'drdrill', value: journal.drdrillVersion },
      ...(journal.runId ? [{ key: 'run id', value: journal.runId }] : []),
    ],
    tools: Object.entries(env.tools).map(([key, value]) => ({ key, value })),
    settings: Object.entries(env.postgres.settings).map(([key, value]) => ({ key, value })),
  };
}

/** The audit record: who owns it, which runbook, why, who ran and approved it, and the findings since. */
function recordView(journal: Journal) {
  const a = auditOf(journal);
  const notRecorded = 'not recorded';
  const runbook = a.runbook
    ? `${a.runbook.url ?? a.runbook.path}${a.runbook.version ? ` @ ${a.runbook.version}` : ' (no version recorded)'}`
    : notRecorded;
  return {
    rows: [
      { key: 'Owner', value: a.owner ?? notRecorded, id: 'owner' },
      { key: 'Runbook followed', value: runbook, id: 'runbook' },
      { key: 'Threat rehearsed', value: a.rationale ?? notRecorded, id: 'rationale' },
      { key: 'Operator', value: a.operator ?? notRecorded, id: 'operator' },
      { key: 'Approver', value: a.approver ?? notRecorded, id: 'approver' },
      { key: 'Run id', value: journal.runId ?? notRecorded, id: 'run-id' },
    ],
    findings: (a.findings ?? []).map((f) => ({
      at: formatDateTime(f.at),
      by: f.by ?? '—',
      finding: f.finding,
      remediation: f.remediation ?? '—',
    })),
  };
}
