import type { CheckRecord, Journal } from '../../harness/engine/journal.js';
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

/** Everything a drill template shows, computed from the journal alone. */
export function drillView(journal: Journal, opts: { charts: boolean }) {
  const scenario = journal.scenario.parsed;
  const rto = journal.measurements.rto;
  const rpo = journal.measurements.rpo;
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
    kindWord: scenario.kind === 'RestoreTest' ? 'Restore test' : 'Drill',
    restoreTest: scenario.kind === 'RestoreTest',
    fault: scenario.kind === 'Drill' && scenario.fault ? scenario.fault.type : 'none',
    procedure: procedureOf(journal),
    headline:
      scenario.kind === 'RestoreTest'
        ? restoreTestHeadline(journal)
        : [
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
